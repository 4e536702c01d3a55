/* Small helpers: storage that never throws, string formatting, element building. */

const PREFIX = "kjtb.";
const memory = new Map();

/* localStorage, or memory where the browser refuses it (private modes, some in-app browsers). */
export const storage = {
  get(key) {
    try {
      const value = window.localStorage.getItem(PREFIX + key);
      return value === null ? null : JSON.parse(value);
    } catch (error) {
      return memory.has(key) ? memory.get(key) : null;
    }
  },
  set(key, value) {
    memory.set(key, value);
    try {
      window.localStorage.setItem(PREFIX + key, JSON.stringify(value));
    } catch (error) {
      /* kept in memory for this page */
    }
  },
};

/* "{count} options" with {count: 3}. */
export function format(template, values) {
  return template.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

/* An element with attributes and children (strings become text, never HTML). */
export function h(tag, attributes, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === false || value === null || value === undefined) {
      continue;
    }
    if (name === "className") {
      element.className = value;
    } else if (name.startsWith("on")) {
      element.addEventListener(name.slice(2), value);
    } else {
      element.setAttribute(name, value === true ? "" : value);
    }
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) {
      element.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }
  return element;
}

/* Removes an element's children (replaceChildren is missing from older in-app browsers). */
export function empty(element) {
  while (element.firstChild) {
    element.removeChild(element.firstChild);
  }
}

/* Text for the visually hidden parts screen readers read. */
export function hidden(text) {
  return h("span", { className: "kjtb-sr" }, text);
}
