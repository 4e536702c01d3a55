/* The conversation with the assistant over Socket.IO (the team's contract 4):
 * a signed session kept in localStorage and asked for on every (re)connection, the stored
 * conversation fetched to show history and to catch up after a drop, one message in flight,
 * and a message that was not delivered sent again after reconnecting. */

import { io } from "./vendor/socket.io.esm.min.js";
import { storage } from "./util.js";

// a turn (NLU, actions, a booking call) may take a while; after this, stop waiting for it
const TURN_TIMEOUT_MS = 120000;

export class Conversation {
  /* view: { reset(), showStored(message), showLive(message), showNotice(text),
   *         settled(pending, outcome, reason), status(state), historyFailed() } */
  constructor(server, view) {
    this.server = server;
    this.view = view;
    this.session = storage.get("session");
    this.shown = null; // how many stored messages are on screen; null before the first load
    this.pending = null; // the message in flight: { message, metadata, context, index }
    this.ready = false; // connected, session confirmed, caught up
    this.catchingUp = null; // live messages that arrive while catching up
    this.everConnected = false;
  }

  connect() {
    this.socket = io(this.server, {
      path: "/socket.io",
      transports: ["websocket"],
      auth: (give) => give(this.session ? { token: this.session.token } : {}),
      reconnectionDelay: 1000,
      reconnectionDelayMax: 5000,
    });
    this.socket.on("connect", () => {
      this.socket.emit("session_request", { session_id: this.session ? this.session.session_id : null });
    });
    this.socket.on("session_confirm", (confirmed) => this.confirmed(confirmed));
    this.socket.on("bot_uttered", (message) => this.botUttered(message));
    this.socket.on("disconnect", () => this.dropped());
    this.socket.on("connect_error", () => this.dropped());
  }

  dropped() {
    this.ready = false;
    this.view.status(this.everConnected ? "offline" : "connecting");
  }

  async confirmed(confirmed) {
    if (!confirmed || typeof confirmed.session_id !== "string") {
      return;
    }
    const previous = this.session && this.session.session_id;
    this.session = { session_id: confirmed.session_id, token: confirmed.token };
    storage.set("session", this.session);
    if (previous && previous !== this.session.session_id && this.shown !== null) {
      // the server did not accept the stored session (it expired or was deleted)
      this.shown = null;
      this.view.reset(true);
    }
    await this.catchUp();
    this.ready = true;
    this.view.status(this.everConnected ? "online" : "ready");
    this.everConnected = true;
    if (this.pending && this.pending.index === null) {
      this.emit(this.pending);
    }
  }

  /* Shows what is stored and not yet on screen; settles a message sent before a drop. */
  async catchUp() {
    this.catchingUp = [];
    let stored = null;
    try {
      stored = await this.history();
    } catch (error) {
      this.view.historyFailed();
    }
    const live = this.catchingUp;
    this.catchingUp = null;
    if (stored === null) {
      this.shown = this.shown === null ? 0 : this.shown;
    } else {
      this.showStored(stored);
    }
    // a live message that is also in the stored tail was saved before the history was read
    const replies = live.filter((message) => !message.notice);
    const alreadyStored = stored !== null && replies.length > 0 && replies.every((message, i) => {
      const same = stored.messages[stored.messages.length - replies.length + i];
      return same && same.from === "bot" && same.text === (message.text || "");
    });
    for (const message of live) {
      if (message.notice || !alreadyStored) {
        this.botUttered(message);
      }
    }
  }

  showStored({ messages, skipped }) {
    const total = skipped + messages.length;
    if (this.shown === null) {
      messages.forEach((message) => this.view.showStored(message));
      this.shown = total;
      return;
    }
    const pending = this.pending;
    if (pending && pending.index !== null) {
      if (total > pending.index) {
        this.settle(pending, "done"); // it arrived; its replies are stored or on their way
      } else {
        this.shown = pending.index; // it never arrived: send it again
        pending.index = null;
      }
    }
    for (let i = Math.max(this.shown, skipped); i < total; i += 1) {
      this.view.showStored(messages[i - skipped]);
    }
    this.shown = Math.max(this.shown, total);
  }

  async history() {
    const answer = await fetch(this.server + "/widget/history", {
      headers: { Authorization: "Bearer " + this.session.session_id + "." + this.session.token },
    });
    if (!answer.ok) {
      throw new Error("history: " + answer.status);
    }
    return answer.json();
  }

  botUttered(message) {
    if (!message || typeof message !== "object") {
      return;
    }
    if (this.catchingUp) {
      this.catchingUp.push(message);
    } else if (message.notice) {
      this.view.showNotice(message.text || "");
    } else {
      this.shown += 1;
      this.view.showLive(message);
    }
  }

  get busy() {
    return this.pending !== null;
  }

  /* Queues one message (context comes back with it when it is settled); false while another
   * is in flight. */
  send(message, metadata, context) {
    if (this.pending) {
      return false;
    }
    this.pending = { message, metadata, context, index: null };
    if (this.ready) {
      this.emit(this.pending);
    }
    return true;
  }

  emit(pending) {
    pending.index = this.shown;
    this.shown += 1;
    const socket = this.socket;
    const payload = { message: pending.message, session_id: this.session.session_id, metadata: pending.metadata };
    socket.timeout(TURN_TIMEOUT_MS).emit("user_uttered", payload, (error, answer) => {
      if (this.pending !== pending) {
        return; // settled by a catch-up
      }
      if (error) {
        if (socket.connected) {
          this.settle(pending, "done"); // no end of turn in time: stop waiting
        }
        return; // dropped: the catch-up after reconnecting decides
      }
      if (answer && answer.status === "refused") {
        if (answer.reason === "no_session" && socket.connected) {
          this.shown -= 1;
          pending.index = null;
          this.ready = false;
          socket.emit("session_request", { session_id: this.session.session_id });
          return;
        }
        this.shown -= 1;
        this.settle(pending, "refused", answer.reason);
        return;
      }
      this.settle(pending, "done");
    });
  }

  settle(pending, outcome, reason) {
    this.pending = null;
    this.view.settled(pending, outcome, reason);
  }
}
