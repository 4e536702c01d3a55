"""The web widget's channel: Rasa's Socket.IO channel, made safe for the public internet.

Rasa's own channel lets any client join any conversation whose id it knows (``session_request``
with that id), accepts sockets from any web origin, and has no length or rate limit. Here
(contract 4 of the team brief, the widget's protocol):

- The server issues sessions. A client connects with ``auth: {token}`` when it holds one, then
  emits ``session_request {session_id}``; the server answers ``session_confirm {session_id,
  token}``: the same session when the token was issued for it (bot.channels.sessions), else a
  fresh one. Knowing a session id alone neither joins nor reads that conversation.
- ``user_uttered {message, session_id, metadata: {lang}}`` is handled only for the session bound
  to that socket. Too-long messages and floods (bot.channels.limits) never reach Rasa; the user
  gets one notice in their script. Every handled message is answered (reliable.never_silent).
- Each user_uttered is acknowledged when its turn is over: ``{"status": "done"}`` or
  ``{"status": "refused", "reason": ...}``; the widget keeps one message in flight on that.
- Each bot message goes out as one ``bot_uttered``, shaped as Rasa shapes it (``text``,
  ``quick_replies``), the way it is stored, so a transcript restored from GET /widget/history
  lines up with what was shown live. Notices from the channel itself carry ``notice``.
- Only the assistant's own origin and ``ALLOWED_ORIGINS`` may open a socket from a browser.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Mapping
from typing import Any

from rasa.core.channels import socketio
from rasa.core.channels.channel import UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from socketio import AsyncServer

from bot.channels import limits, sessions
from bot.channels.origins import origin_allowed
from bot.channels.reliable import MAX_MESSAGE_CHARS, Handler, never_silent
from bot.language import LANGUAGES, reply_language
from bot.replies import Phrases

logger = logging.getLogger(__name__)

CHANNEL = "socketio"
# A websocket frame larger than this closes the connection; anything smaller but longer than
# MAX_MESSAGE_CHARS gets a clear answer instead.
MAX_FRAME_BYTES = 256 * 1024


def client_address(environ: Mapping[str, Any]) -> str | None:
    """The browser's address: what a trusted proxy forwarded (Sanic's ``remote_addr``), else the
    peer. (engineio's Sanic driver always says 127.0.0.1.)"""
    request = environ.get("sanic.request")
    if request is None:
        return None
    return request.remote_addr or request.ip or None


def turn_metadata(metadata: object) -> dict[str, str]:
    """What the widget may tell the bot about a message: its explicit language choice only."""
    if isinstance(metadata, Mapping) and metadata.get("lang") in LANGUAGES:
        return {"lang": metadata["lang"]}
    return {}


def refusal(reason: str) -> dict[str, str]:
    return {"status": "refused", "reason": reason}


class WidgetOutput(socketio.SocketIOOutput):
    """One ``bot_uttered`` per bot message. (Rasa's splits a text at blank lines and sends images
    and custom payloads separately; the widget shows one message as one bubble.)"""

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        shown: dict[str, Any] = {}
        if message.get("text"):
            shown["text"] = message["text"]
        buttons = message.get("quick_replies") or message.get("buttons") or []
        if buttons:
            shown["quick_replies"] = [{"content_type": "text", "title": button["title"],
                                       "payload": button["payload"]} for button in buttons]
        if message.get("image"):
            shown["attachment"] = {"type": "image", "payload": {"src": message["image"]}}
        for key in ("attachment", "custom", "elements"):
            if message.get(key):
                shown[key] = message[key]
        await self._send_message(recipient_id, shown)

    async def send_notice(self, recipient_id: str, reason: str, text: str) -> None:
        """A message from the channel, not the bot: it is not part of the stored conversation."""
        await self._send_message(recipient_id, {"text": text, "notice": reason})


class WidgetSocketIOInput(socketio.SocketIOInput):
    """Registered in credentials.yml; named "socketio" like Rasa's, so URLs and `channel:`
    response variants stay."""

    def get_output_channel(self) -> WidgetOutput | None:
        return WidgetOutput(self.sio, self.bot_message_evt) if self.sio else None

    def blueprint(self, on_new_message: Handler) -> Blueprint:
        handle_turn = never_silent(on_new_message)
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=origin_allowed,
                          transports=["websocket"], max_http_buffer_size=MAX_FRAME_BYTES)
        self.sio = sio
        output = WidgetOutput(sio, self.bot_message_evt)
        socket_blueprint = socketio.SocketBlueprint(sio, self.socketio_path,
                                                    "socketio_webhook", __name__)

        @socket_blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> response.HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=self.namespace)
        async def connect(sid: str, environ: dict[str, Any], auth: object = None) -> bool:
            token = auth.get("token") if isinstance(auth, Mapping) else None
            await sio.save_session(sid, {"token": token, "session_id": None,
                                         "address": client_address(environ)},
                                   namespace=self.namespace)
            return True

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: str, data: object = None) -> None:
            state = await sio.get_session(sid, namespace=self.namespace)
            asked = data.get("session_id") if isinstance(data, Mapping) else None
            if sessions.verify(asked, state["token"]):
                session_id, token = str(asked), str(state["token"])
            else:
                session_id, token = sessions.new_session()
            if state["session_id"] and state["session_id"] != session_id:
                await _call(sio.leave_room(sid, state["session_id"], namespace=self.namespace))
            # python-socketio < 5.10 (Rasa 3.6's pin) has a plain enter_room; later ones await it
            await _call(sio.enter_room(sid, session_id, namespace=self.namespace))
            state.update(session_id=session_id, token=token)
            await sio.save_session(sid, state, namespace=self.namespace)
            await sio.emit("session_confirm", {"session_id": session_id, "token": token},
                           room=sid, namespace=self.namespace)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: str, data: object = None) -> dict[str, str]:
            state = await sio.get_session(sid, namespace=self.namespace)
            if not isinstance(data, Mapping):
                return refusal("invalid")
            session_id = state["session_id"]
            if not session_id or data.get("session_id") != session_id:
                return refusal("no_session")
            text = data.get("message")
            if not isinstance(text, str) or not text.strip():
                return refusal("invalid")
            metadata = turn_metadata(data.get(self.metadata_key))
            language = reply_language([{"text": text, "metadata": metadata}])
            if len(text) > MAX_MESSAGE_CHARS:
                await output.send_notice(session_id, "too_long", Phrases(language)(
                    "widget.too_long", limit=MAX_MESSAGE_CHARS, length=len(text)))
                return refusal("too_long")
            if not await limits.allow(CHANNEL, session_id, state["address"]):
                if await limits.first_refusal(CHANNEL, session_id):
                    await output.send_notice(session_id, "rate_limited",
                                             limits.refusal_notice(language))
                return refusal("rate_limited")
            await handle_turn(UserMessage(text, WidgetOutput(sio, self.bot_message_evt),
                                          session_id, input_channel=self.name(),
                                          metadata=metadata))
            return {"status": "done"}

        return socket_blueprint


async def _call(result: Any) -> None:
    if inspect.isawaitable(result):
        await result
