"""Notices the centre left for a resident that could not be pushed (a cancelled or moved session,
a reminder): shown before the answer to the resident's next message, on every channel
(``reliable.never_silent`` asks for them before each turn).

The action server keeps them, because it holds the booking database
(``bot.staff.notices.take_pending``). It was asked through ``action_validate_slot_mappings``,
which Rasa runs after every user message with the whole conversation serialised, sent, parsed and
schema-checked, for notices that are rare (what dropping it gave: docs/deploy.md). Here the Rasa
server asks ``POST /notices`` with the conversation id and the new message (for the script to
answer in), and only that.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

DEADLINE = 1.5  # seconds: the answer to the message must not wait longer for its notices
_ACTION_ROUTE = "/webhook"


class NoticeBoard:
    """Asks the action server at ``action_endpoint`` for the notices waiting for a conversation."""

    def __init__(self, action_endpoint: EndpointConfig) -> None:
        self.endpoint = action_endpoint.copy()
        self.endpoint.url = action_endpoint.url.removesuffix(_ACTION_ROUTE) + "/notices"

    async def take(self, message: UserMessage) -> list[dict[str, Any]]:
        """The messages to show first, marked shown by the action server; none when it cannot be
        asked (they then wait for the next message)."""
        body = {"conversation_id": message.sender_id,
                "message": {"text": message.text, "metadata": message.metadata}}
        try:
            answer = await asyncio.wait_for(self.endpoint.request(method="post", json=body),
                                            DEADLINE)
            return list(answer["messages"])
        except Exception:
            logger.warning("could not ask for the notices of %s; they wait for the next message",
                           message.sender_id, exc_info=True)
            return []


_board: NoticeBoard | None = None


def ask_action_server(action_endpoint: EndpointConfig | None) -> None:
    """Called once at server start (``bot.server``): where the notices are kept."""
    global _board
    _board = NoticeBoard(action_endpoint) if action_endpoint else None


async def take_pending(message: UserMessage) -> list[dict[str, Any]]:
    return await _board.take(message) if _board else []
