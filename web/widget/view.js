/* The widget's frame: launcher, panel, header (繁/简/EN, larger text, close), connection notice,
 * transcript, shortcuts, input and the link to the accessibility statement. Every text comes
 * from the server's strings (/widget/config.json) and changes with the language. */

import { h } from "./util.js";

// each named in its own language (the visible short form is part of the name)
export const LANGUAGES = [
  { code: "zh-Hant", short: "繁", name: "繁體中文" },
  { code: "zh-Hans", short: "简", name: "简体中文" },
  { code: "en", short: "EN", name: "EN English" },
];

export function buildView(server) {
  const text = (key) => h("span", { "data-text": key });
  const view = {};
  view.launcher = h("button", { type: "button", className: "kjtb-launcher", "aria-expanded": "false",
    "aria-controls": "kjtb-panel" }, text("launcher"));
  view.languages = LANGUAGES.map((language) => h("button", { type: "button", lang: language.code,
    "data-lang": language.code, "aria-pressed": "false",
    "aria-label": language.short === language.name ? null : language.name }, language.short));
  view.larger = h("button", { type: "button", className: "kjtb-larger", "aria-pressed": "false" },
    h("span", { "aria-hidden": "true" }, "A+ "), text("larger_text"));
  view.close = h("button", { type: "button", className: "kjtb-close" },
    h("span", { "aria-hidden": "true" }, "✕ "), text("close"));
  view.status = h("p", { className: "kjtb-status", role: "status" });
  view.log = h("div", { className: "kjtb-log", role: "log", "aria-live": "off", id: "kjtb-log",
    "data-label": "log", "aria-describedby": "kjtb-log-help" });
  view.typing = h("p", { className: "kjtb-typing", hidden: true },
    h("span", { className: "kjtb-dots", "aria-hidden": "true" }, h("i"), h("i"), h("i")), text("typing"));
  view.nearest = h("button", { type: "button" }, text("nearest"));
  view.human = h("button", { type: "button" }, h("span", { "aria-hidden": "true" }, "☎ "), text("human"));
  view.consent = h("div", { className: "kjtb-consent", hidden: true });
  view.input = h("textarea", { id: "kjtb-input", rows: "2", "aria-describedby": "kjtb-input-error",
    autocomplete: "off" });
  view.send = h("button", { type: "submit", className: "kjtb-send" }, text("send"));
  view.error = h("p", { id: "kjtb-input-error", className: "kjtb-error", "aria-live": "polite" });
  view.form = h("form", { className: "kjtb-form", novalidate: true },
    h("label", { for: "kjtb-input", className: "kjtb-label" }, text("input")), view.input, view.send, view.error);
  view.announcer = h("div", { className: "kjtb-sr", "aria-live": "polite", "aria-relevant": "additions" });
  view.panel = h("section", { id: "kjtb-panel", className: "kjtb-panel", role: "dialog",
    "aria-labelledby": "kjtb-title", hidden: true },
  h("header", { className: "kjtb-header" },
    h("h2", { id: "kjtb-title", className: "kjtb-title" }, text("title")),
    h("div", { className: "kjtb-tools" },
      h("div", { className: "kjtb-languages", role: "group", "data-label": "language" }, view.languages),
      view.larger, view.close)),
  view.status,
  view.log,
  h("p", { id: "kjtb-log-help", className: "kjtb-sr" }, text("log_help")),
  view.typing,
  h("div", { className: "kjtb-shortcuts" }, view.nearest, view.human),
  view.consent,
  view.form,
  h("p", { className: "kjtb-footer" },
    h("a", { href: server + "/widget/accessibility", target: "_blank", rel: "noopener noreferrer" },
      text("accessibility"))),
  view.announcer);
  view.root = h("div", { className: "kjtb" }, view.panel, view.launcher);
  return view;
}

/* Puts the strings of one language into the frame. */
export function applyStrings(view, strings, language) {
  view.root.setAttribute("lang", language);
  for (const element of view.root.querySelectorAll("[data-text]")) {
    element.textContent = strings[element.getAttribute("data-text")] || "";
  }
  for (const element of view.root.querySelectorAll("[data-label]")) {
    element.setAttribute("aria-label", strings[element.getAttribute("data-label")] || "");
  }
  for (const button of view.languages) {
    button.setAttribute("aria-pressed", String(button.getAttribute("data-lang") === language));
  }
  view.input.setAttribute("placeholder", strings.placeholder);
}
