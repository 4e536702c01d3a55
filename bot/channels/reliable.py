"""Rasa's REST and Socket.IO channels, made safe for a public service.

- Never silent: if a turn produces no reply (the action server or the NLG endpoint is down, a
  bug), the user gets an honest apology in their language with "try again" and a human route,
  instead of nothing. Rasa itself only logs such failures.
- Bad requests to the REST webhook get a 400 with a reason, not a 500 or a shared conversation.

credentials.yml registers ``bot.channels.reliable.RestInput`` (name "rest", so URLs and `channel:`
response variants do not change); the widget's Socket.IO channel (bot.channels.socketio) uses
``never_silent`` too.
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

from bot.dialogue import error_reply
from bot.language import reply_language

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 2000
MAX_SENDER_CHARS = 128
# Rasa's own commands, which rightly produce no reply
SILENT_COMMANDS = ("/restart", "/session_start")

Handler = Callable[[UserMessage], Awaitable[Any]]


class _CountingOutput(OutputChannel):
    """Passes every message to the real output channel and counts them."""

    def __init__(self, inner: OutputChannel) -> None:
        self.inner = inner
        self.sent = 0

    def name(self) -> str:  # type: ignore[override]  # the wrapped channel's name
        return self.inner.name()

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        self.sent += 1
        await self.inner.send_response(recipient_id, message)


def never_silent(on_new_message: Handler) -> Handler:
    async def handle(message: UserMessage) -> None:
        counting = _CountingOutput(message.output_channel)
        message.output_channel = counting
        try:
            await on_new_message(message)
        except Exception:
            logger.exception("turn failed for %s", message.sender_id)
        if counting.sent == 0 and not (message.text or "").startswith(SILENT_COMMANDS):
            logger.error("no reply for %s; sent the apology", message.sender_id)
            language = reply_language([{"text": message.text, "metadata": message.metadata}])
            apology = error_reply(language, message.text or None)
            await counting.inner.send_response(message.sender_id, apology.as_message())

    return handle


def request_problem(body: bytes) -> str | None:
    """Why a REST webhook request cannot be handled, or None when it can."""
    try:
        payload = json.loads(body or b"")
    except ValueError:
        return "the body must be JSON"
    if not isinstance(payload, dict):
        return "the body must be a JSON object"
    sender, message = payload.get("sender"), payload.get("message")
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
        return f"'sender' must be a non-empty string of at most {MAX_SENDER_CHARS} characters"
    if not isinstance(message, str) or not message.strip():
        return "'message' must be a non-empty string"
    if len(message) > MAX_MESSAGE_CHARS:
        return f"'message' is longer than {MAX_MESSAGE_CHARS} characters"
    if not isinstance(payload.get("metadata", {}), dict):
        return "'metadata' must be a JSON object"
    return None


class RestInput(rest.RestInput):
    def blueprint(self, on_new_message: Handler) -> Blueprint:
        blueprint = super().blueprint(never_silent(on_new_message))

        @blueprint.middleware("request")
        async def reject_bad_requests(request: Request) -> response.HTTPResponse | None:
            if request.method != "POST":
                return None
            problem = request_problem(request.body)
            return response.json({"error": problem}, status=400) if problem else None

        return blueprint

