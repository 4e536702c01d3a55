/* The transcript, after Bot Framework Web Chat's screen-reader patterns:
 * - the visible list is a role="log" whose own announcements are off; each new bot message is
 *   read once through a separate, visually hidden live region (no double reading);
 * - the transcript is one Tab stop: the arrow keys, Home and End walk its messages, Enter moves
 *   into a message's buttons and links (Tab cycles there), Esc returns to the input;
 * - focus never moves by itself: new messages change no focus, only where the Tab stop is;
 * - a chosen button stays, readable and marked as chosen, and the choice is shown as the
 *   user's message.
 * Texts are put in as text, never as HTML: line breaks are kept, http(s) URLs become links. */

import { empty, format, h, hidden } from "./util.js";

const URL_PATTERN = /https?:\/\/[^\s<>"'\u3000-\u303f\uff08\uff09\uff0c\uff1b\uff01]+/g;
const TRAILING_PUNCTUATION = /[.,;:!?)\]]+$/;
const ANNOUNCEMENT_MS = 8000;

export function withLinks(text) {
  const parts = [];
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    const url = match[0].replace(TRAILING_PUNCTUATION, "");
    parts.push(text.slice(last, match.index));
    parts.push(h("a", { href: url, target: "_blank", rel: "noopener noreferrer", tabindex: "-1" }, url));
    last = match.index + url.length;
  }
  parts.push(text.slice(last));
  return parts.filter((part) => part !== "");
}

export class Transcript {
  /* onChoose(button, element) sends a button's payload. */
  constructor(log, announcer, input, onChoose) {
    this.log = log;
    this.announcer = announcer;
    this.input = input;
    this.onChoose = onChoose;
    this.strings = {};
    log.addEventListener("keydown", (event) => this.keydown(event));
    log.addEventListener("focusout", (event) => {
      if (!log.contains(event.relatedTarget)) {
        this.leaveMessage();
      }
    });
  }

  get messages() {
    return Array.from(this.log.querySelectorAll(".kjtb-msg"));
  }

  clear() {
    empty(this.log);
  }

  user(text, pending) {
    const element = h("article", { className: "kjtb-msg kjtb-user" + (pending ? " kjtb-pending" : "") },
      hidden(this.strings.you_said), h("p", { className: "kjtb-text" }, withLinks(text)));
    return this.add(element);
  }

  bot(message, announce) {
    const buttons = message.quick_replies || message.buttons || [];
    const text = message.text || "";
    const image = message.attachment && message.attachment.type === "image" ? message.attachment.payload : null;
    if (!text && !buttons.length && !image) {
      return null;
    }
    const element = h("article", { className: "kjtb-msg kjtb-bot" },
      hidden(this.strings.bot_said),
      text ? h("p", { className: "kjtb-text" }, withLinks(text)) : null,
      image && typeof image.src === "string" && /^https?:|^\//.test(image.src)
        ? h("img", { src: image.src, alt: image.alt || "" }) : null,
      buttons.length ? h("div", { className: "kjtb-choices" }, buttons.map((button) =>
        h("button", { type: "button", tabindex: "-1", "data-payload": button.payload,
          onclick: (event) => this.onChoose(button, event.currentTarget) }, button.title))) : null);
    this.add(element);
    if (announce) {
      this.announce(this.strings.bot_said + text +
        (buttons.length ? format(this.strings.options, { count: buttons.length }) : ""));
    }
    return element;
  }

  notice(text) {
    const element = h("article", { className: "kjtb-msg kjtb-notice" }, hidden(this.strings.notice),
      h("p", { className: "kjtb-text" }, text));
    this.add(element);
    this.announce(text);
    return element;
  }

  markChosen(button) {
    if (!button.classList.contains("kjtb-chosen")) {
      button.classList.add("kjtb-chosen");
      button.append(hidden(this.strings.chosen));
    }
  }

  markNotSent(element) {
    element.classList.remove("kjtb-pending");
    element.classList.add("kjtb-failed");
    element.append(h("span", { className: "kjtb-flag" }, this.strings.not_sent));
  }

  markSent(element) {
    element.classList.remove("kjtb-pending");
  }

  add(element) {
    const atBottom = this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 40;
    const focusInside = this.log.contains(document.activeElement);
    element.setAttribute("tabindex", "-1");
    this.log.append(element);
    if (!focusInside) {
      this.setTabStop(element); // the Tab stop follows the newest message, focus stays put
    }
    if (atBottom) {
      this.log.scrollTop = this.log.scrollHeight;
    }
    return element;
  }

  announce(text) {
    const line = h("p", {}, text);
    this.announcer.append(line);
    setTimeout(() => line.remove(), ANNOUNCEMENT_MS);
  }

  setTabStop(element) {
    for (const message of this.messages) {
      message.setAttribute("tabindex", message === element ? "0" : "-1");
    }
  }

  focusMessage(element) {
    if (element) {
      this.setTabStop(element);
      element.focus();
    }
  }

  controls(element) {
    return Array.from(element.querySelectorAll("button, a[href]"));
  }

  enterMessage(element) {
    const controls = this.controls(element);
    if (controls.length) {
      controls.forEach((control) => control.setAttribute("tabindex", "0"));
      element.classList.add("kjtb-entered");
      (element.querySelector(".kjtb-choices button") || controls[0]).focus(); // answers first
    }
  }

  leaveMessage() {
    for (const element of this.log.querySelectorAll(".kjtb-entered")) {
      element.classList.remove("kjtb-entered");
      this.controls(element).forEach((control) => control.setAttribute("tabindex", "-1"));
    }
  }

  keydown(event) {
    const messages = this.messages;
    const message = event.target.closest(".kjtb-msg");
    if (event.key === "Escape") {
      event.preventDefault(); // returns to the input; does not close the panel
      this.leaveMessage();
      this.input.focus();
      return;
    }
    if (!message) {
      return;
    }
    if (event.target !== message) {
      if (event.key === "Tab") {
        this.cycleInside(event, message);
      }
      return;
    }
    const index = messages.indexOf(message);
    const moves = { ArrowUp: index - 1, ArrowDown: index + 1, Home: 0, End: messages.length - 1 };
    if (event.key in moves) {
      event.preventDefault();
      this.focusMessage(messages[Math.max(0, Math.min(messages.length - 1, moves[event.key]))]);
    } else if (event.key === "Enter") {
      event.preventDefault();
      this.enterMessage(message);
    }
  }

  /* Tab and Shift+Tab stay among an entered message's buttons and links, as in Web Chat. */
  cycleInside(event, message) {
    const controls = this.controls(message);
    const at = controls.indexOf(event.target);
    if (at < 0) {
      return;
    }
    event.preventDefault();
    const next = (at + (event.shiftKey ? -1 : 1) + controls.length) % controls.length;
    controls[next].focus();
  }
}
