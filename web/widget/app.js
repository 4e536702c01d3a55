/* The chat widget: wires the frame (view.js), the transcript (transcript.js), the conversation
 * (connection.js) and the location offer (location.js). widget.js loads it. */

import { Conversation } from "./connection.js";
import { offerLocation } from "./location.js";
import { Transcript } from "./transcript.js";
import { format, storage } from "./util.js";
import { LANGUAGES, applyStrings, buildView } from "./view.js";

const CODES = LANGUAGES.map((language) => language.code);
const GREETING = "/greet";
const REGIONS = "/find_service_point";
const HUMAN = "/human_handoff";
const LOCATION = "/share_location";
const RECONNECTED_NOTICE_MS = 5000;

/* data-lang if valid, else the browser's first Chinese or English preference, else 繁. */
export function startingLanguage(attribute, browserLanguages) {
  if (CODES.includes(attribute)) {
    return attribute;
  }
  for (const tag of browserLanguages.map((language) => String(language).toLowerCase())) {
    if (tag.startsWith("en")) {
      return "en";
    }
    if (tag === "zh" || /^zh-(hans|cn|sg|my)/.test(tag)) {
      return "zh-Hans";
    }
    if (tag.startsWith("zh")) {
      return "zh-Hant";
    }
  }
  return "zh-Hant";
}

export async function start({ server, lang }) {
  const answer = await fetch(server + "/widget/config.json");
  const settings = await answer.json();
  const chosen = storage.get("lang");
  const browser = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || ""];
  const widget = new Widget(server, settings, CODES.includes(chosen) ? chosen : startingLanguage(lang, browser));
  document.body.append(widget.view.root);
  widget.conversation.connect();
}

class Widget {
  constructor(server, settings, language) {
    this.settings = settings;
    this.view = buildView(server);
    this.transcript = new Transcript(this.view.log, this.view.announcer, this.view.input,
      (button, element) => this.choose(button, element));
    this.conversation = new Conversation(server, this.conversationView());
    this.setLanguage(language, false);
    this.setLarger(storage.get("larger") === true);
    this.listen();
    if (storage.get("open") === true) {
      this.open(false);
    }
  }

  get strings() {
    return this.settings.strings[this.language];
  }

  listen() {
    const view = this.view;
    view.launcher.addEventListener("click", () => (view.panel.hidden ? this.open(true) : this.close()));
    view.close.addEventListener("click", () => this.close());
    view.panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && !event.defaultPrevented) {
        this.close();
      }
    });
    view.languages.forEach((button) => button.addEventListener("click",
      () => this.setLanguage(button.getAttribute("data-lang"), true)));
    view.larger.addEventListener("click", () => this.setLarger(!this.larger));
    view.human.addEventListener("click", () => this.sendOwn(HUMAN, this.strings.human));
    view.nearest.addEventListener("click", () => offerLocation(view.consent, this.strings, view.nearest, {
      share: (payload) => this.sendOwn(payload, this.strings.location_shared),
      regions: (failed) => {
        if (failed) {
          this.transcript.notice(this.strings.no_location);
        }
        this.sendOwn(REGIONS, this.strings.nearest);
      },
    }));
    view.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.sendTyped();
    });
    view.input.addEventListener("keydown", (event) => {
      // Enter sends; Shift+Enter is a new line; Enter that ends an IME composition is not a send
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
        event.preventDefault();
        this.sendTyped();
      }
    });
    view.input.addEventListener("input", () => this.checkLength());
  }

  setLanguage(language, explicit) {
    this.language = language;
    if (explicit) {
      storage.set("lang", language);
    }
    applyStrings(this.view, this.strings, language);
    this.transcript.strings = this.strings;
    this.checkLength();
  }

  /* The bot is told the language only when the user chose it (contract 1: an explicit choice
   * wins over the script they write in) or when the widget itself sends a command. */
  metadata(own) {
    return own || CODES.includes(storage.get("lang")) ? { lang: this.language } : {};
  }

  setLarger(larger) {
    this.larger = larger;
    storage.set("larger", larger);
    this.view.root.classList.toggle("kjtb-large", larger);
    this.view.larger.setAttribute("aria-pressed", String(larger));
  }

  open(byUser) {
    this.view.panel.hidden = false;
    this.view.launcher.setAttribute("aria-expanded", "true");
    this.view.root.classList.add("kjtb-open");
    storage.set("open", true);
    if (byUser) {
      this.view.input.focus();
    }
    this.greetIfNew();
  }

  close() {
    this.view.panel.hidden = true;
    this.view.launcher.setAttribute("aria-expanded", "false");
    this.view.root.classList.remove("kjtb-open");
    storage.set("open", false);
    this.view.launcher.focus();
  }

  greetIfNew() {
    const conversation = this.conversation;
    if (!this.view.panel.hidden && conversation.ready && conversation.shown === 0 && !conversation.busy) {
      this.send(GREETING, null, this.metadata(true));
    }
  }

  checkLength() {
    const length = this.view.input.value.length;
    const limit = this.settings.max_message_chars;
    const tooLong = length > limit;
    this.view.input.setAttribute("aria-invalid", String(tooLong));
    this.view.error.textContent = tooLong ? format(this.strings.too_long, { length, limit }) : "";
    return !tooLong;
  }

  sendTyped() {
    const text = this.view.input.value.trim();
    if (!text || !this.checkLength()) {
      return;
    }
    if (this.send(text, text, this.metadata(false), text)) {
      this.view.input.value = "";
    }
  }

  sendOwn(payload, label) {
    this.send(payload, label, this.metadata(true));
  }

  choose(button, element) {
    if (this.send(button.payload, button.title, this.metadata(false))) {
      this.transcript.markChosen(element);
    }
  }

  /* shown: the user's message as displayed (null: none); typed: given back if refused. False
   * while another message is in flight. */
  send(message, shown, metadata, typed) {
    if (this.conversation.busy) {
      this.view.error.textContent = this.strings.wait;
      return false;
    }
    this.view.error.textContent = "";
    const element = shown === null ? null : this.transcript.user(shown, true);
    this.conversation.send(message, metadata, { element, typed });
    this.view.typing.hidden = false;
    return true;
  }

  conversationView() {
    return {
      reset: (expired) => {
        this.transcript.clear();
        if (expired) {
          this.transcript.notice(this.strings.new_conversation);
        }
      },
      showStored: (message) => {
        if (message.from === "bot") {
          this.answered = this.transcript.bot(message, false);
        } else if (message.text !== GREETING) {
          this.transcript.user(this.ownLabel(message.text));
          this.markStoredChoice(message.text);
        }
      },
      showLive: (message) => this.transcript.bot(message, true),
      showNotice: (text) => this.transcript.notice(text),
      settled: (pending, outcome) => {
        this.view.typing.hidden = true;
        const { element, typed } = pending.context;
        if (element && outcome === "done") {
          this.transcript.markSent(element);
        } else if (element) {
          this.transcript.markNotSent(element);
          if (typed && !this.view.input.value) {
            this.view.input.value = typed; // nothing the user typed is lost
            this.checkLength();
          }
        }
      },
      status: (state) => this.status(state),
      historyFailed: () => this.transcript.notice(this.strings.history_failed),
    };
  }

  /* A stored answer that was a button of the message before it: that button shows as chosen. */
  markStoredChoice(text) {
    const buttons = this.answered ? Array.from(this.answered.querySelectorAll("button")) : [];
    const chosen = buttons.find((button) => button.textContent === text);
    if (chosen) {
      this.transcript.markChosen(chosen);
    }
    this.answered = null;
  }

  ownLabel(text) {
    const labels = [[LOCATION, this.strings.location_shared], [HUMAN, this.strings.human],
      [REGIONS, this.strings.nearest]];
    const own = labels.find(([payload]) => text === payload || text.startsWith(payload + "{"));
    return own ? own[1] : text;
  }

  status(state) {
    const notice = { connecting: this.strings.connecting, offline: this.strings.offline,
      online: this.strings.online, ready: "" }[state];
    this.view.status.textContent = notice;
    this.view.root.classList.toggle("kjtb-offline", state === "offline" || state === "connecting");
    clearTimeout(this.statusTimer);
    if (state === "online") {
      this.statusTimer = setTimeout(() => {
        this.view.status.textContent = "";
      }, RECONNECTED_NOTICE_MS);
    }
    if (state === "online" || state === "ready") {
      this.greetIfNew();
    }
  }
}
