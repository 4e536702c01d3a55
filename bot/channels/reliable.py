"""Rasa's REST and Socket.IO channels, made safe for a public service.

- Notices first: what the centre left for the conversation (a cancelled session) is shown before
  the answer (``bot.channels.notices``).
- Never silent: if a turn produces no reply (the action server or the NLG endpoint is down, a
  bug), the user gets an honest apology in their language with "try again" and a human route,
  instead of nothing. Rasa itself only logs such failures. A turn that fails after some replies
  gets the apology after them: it was not saved, and those replies may be only half an answer.
- One queue: a Rasa process computes one turn at a time and the others wait in arrival order
  (``bot.turns``).
- Bad requests to the REST webhook get a 400 with a reason, not a 500 or a shared conversation.

credentials.yml registers ``bot.channels.reliable.RestInput`` (name "rest", so URLs and `channel:`
response variants do not change); the widget's Socket.IO channel (bot.channels.socketio) uses
``never_silent`` too.

The REST webhook is the channel for trusted integrations (a partner's server, the tests): whoever
calls it names the sender. Its conversations are therefore kept apart from the other channels'
(conversation id ``rest:<sender>``), so knowing a widget session id or a WeChat openid does not
let a REST caller into that conversation; replies still name the caller's own sender.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels import rest
from rasa.core.channels.channel import OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request

from bot.channels import notices
from bot.channels.limits import Limits, allow, refusal_notice
from bot.dialogue import error_reply
from bot.language import reply_language
from bot.state import ChannelState, channel_state
from bot.turns import turn_queue

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 2000
MAX_SENDER_CHARS = 128
# Rasa's own commands, which rightly produce no reply
SILENT_COMMANDS = ("/restart", "/session_start")
REST_CONVERSATION_PREFIX = "rest:"

Handler = Callable[[UserMessage], Awaitable[Any]]


class _CountingOutput(OutputChannel):
    """Passes every message to the real output channel and counts them; ``shown`` turns the
    conversation id into the recipient id the channel's client knows."""

    def __init__(self, inner: OutputChannel, shown: Callable[[str], str]) -> None:
        self.inner = inner
        self.shown = shown
        self.sent = 0

    def name(self) -> str:  # type: ignore[override]  # the wrapped channel's name
        return self.inner.name()

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        self.sent += 1
        await self.inner.send_response(self.shown(recipient_id), message)


def never_silent(on_new_message: Handler,
                 shown: Callable[[str], str] = lambda conversation: conversation) -> Handler:
    async def handle(message: UserMessage) -> None:
        async with turn_queue.turn(message.sender_id):
            await answered(message)

    async def answered(message: UserMessage) -> None:
        if not (message.text or "").startswith(SILENT_COMMANDS):
            for notice in await notices.take_pending(message):
                await message.output_channel.send_response(shown(message.sender_id), notice)
        counting = _CountingOutput(message.output_channel, shown)
        message.output_channel = counting
        failed = False
        try:
            await on_new_message(message)
        except Exception:
            failed = True
            logger.exception("turn failed for %s after %d replies", message.sender_id,
                             counting.sent)
        if (failed or counting.sent == 0) and not (message.text or "").startswith(SILENT_COMMANDS):
            logger.error("turn failed or gave no reply for %s; sent the apology",
                         message.sender_id)
            language = reply_language([{"text": message.text, "metadata": message.metadata}])
            apology = error_reply(language, message.text or None)
            await counting.send_response(message.sender_id, apology.as_message())

    return handle


def _is_text(value: Any) -> bool:
    """A string that can be stored and sent back (JSON may carry lone surrogates)."""
    try:
        return isinstance(value, str) and bool(value.encode("utf-8"))
    except UnicodeEncodeError:
        return False


def request_problem(body: bytes) -> str | None:
    """Why a REST webhook request cannot be handled, or None when it can."""
    try:
        payload = json.loads(body or b"")
    except (ValueError, RecursionError):
        return "the body must be JSON"
    if not isinstance(payload, dict):
        return "the body must be a JSON object"
    sender, message = payload.get("sender"), payload.get("message")
    if not _is_text(sender) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
        return f"'sender' must be a non-empty string of at most {MAX_SENDER_CHARS} characters"
    if not _is_text(message) or not message.strip():
        return "'message' must be a non-empty string"
    if len(message) > MAX_MESSAGE_CHARS:
        return f"'message' is longer than {MAX_MESSAGE_CHARS} characters"
    metadata = payload.get("metadata", {})
    if not isinstance(metadata, dict) or not _is_text(json.dumps(metadata, ensure_ascii=False)):
        return "'metadata' must be a JSON object"
    return None


def _integration_sender(conversation_id: str) -> str:
    return conversation_id.removeprefix(REST_CONVERSATION_PREFIX)


class RestInput(rest.RestInput):
    """``POST /webhooks/rest/webhook {"sender", "message", "metadata": {"lang"}}``: checked, and
    counted against the abuse limits, before Rasa sees it."""

    def __init__(self, state: ChannelState | None = None, limits: Limits | None = None) -> None:
        self._state = state
        self.limits = limits or Limits()

    async def _extract_sender(self, req: Request) -> str:
        return REST_CONVERSATION_PREFIX + req.json["sender"]

    def _extract_input_channel(self, req: Request) -> str:
        return self.name()  # not the caller's choice

    async def _allowed(self, sender: str, address: str | None) -> bool:
        try:
            return await allow(self.name(), sender, address, self.limits,
                               self._state or channel_state())
        except Exception:  # the limits' store is down: serve users rather than refuse them all
            logger.exception("rate limits unavailable; message let through")
            return True

    def blueprint(self, on_new_message: Handler) -> Blueprint:
        blueprint = super().blueprint(never_silent(on_new_message, _integration_sender))

        @blueprint.middleware("request")
        async def reject_bad_or_too_many(request: Request) -> response.HTTPResponse | None:
            if request.method != "POST":
                return None
            problem = request_problem(request.body)
            if problem:
                return response.json({"error": problem}, status=400)
            payload = request.json
            if await self._allowed(payload["sender"], request.remote_addr or request.ip):
                return None
            language = reply_language([{"text": payload["message"],
                                        "metadata": payload.get("metadata")}])
            notice = {"recipient_id": payload["sender"], "text": refusal_notice(language)}
            return response.json([notice], status=429,
                                 headers={"Retry-After": str(int(self.limits.window_seconds))})

        return blueprint

