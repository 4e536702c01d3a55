"""Notices the centre left for a resident that could not be pushed (a cancelled or moved session,
a reminder): shown before the answer to the resident's next message, on every channel
(``reliable.never_silent`` asks for them before each turn).

The action server keeps them, because it holds the booking database
(``bot.staff.notices.take_pending``). It was asked through ``action_validate_slot_mappings``,
which Rasa runs after every user message with the whole conversation serialised, sent, parsed and
schema-checked, for notices that are rare (what dropping it gave: docs/deploy.md). Here the Rasa
server asks ``POST /notices`` with the conversation id and the new message (for the script to
answer in), and only that.

Even that request cost 4 ms of every answer. Where the processes share Redis (two workers, the
cluster), the staff desk raises a flag for the conversation after recording a pending notice
(``bot.state.notice_flags``), and the Rasa server asks only when it takes a flag down, or on the
first message it sees of a conversation and then every ``RECHECK_SECONDS``: a notice whose flag
could not be raised (Redis away at that moment) is then a few minutes late, never lost. Without
Redis the staff desk's flags are not seen here, and every message asks.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.utils.endpoints import EndpointConfig

from bot.state import ChannelState, channel_state, notice_flags

logger = logging.getLogger(__name__)

DEADLINE = 1.5  # seconds: the answer to the message must not wait longer for its notices
_ACTION_ROUTE = "/webhook"
RECHECK_SECONDS = 300.0
REMEMBERED_CONVERSATIONS = 100_000  # when each was last asked for: bounded memory


class NoticeBoard:
    """Asks the action server at ``action_endpoint`` for the notices waiting for a conversation."""

    def __init__(self, action_endpoint: EndpointConfig, state: ChannelState | None = None) -> None:
        self.endpoint = action_endpoint.copy()
        self.endpoint.url = action_endpoint.url.removesuffix(_ACTION_ROUTE) + "/notices"
        self._state = state
        self._asked: OrderedDict[str, float] = OrderedDict()

    async def take(self, message: UserMessage) -> list[dict[str, Any]]:
        """The messages to show first, marked shown by the action server; none when it cannot be
        asked (they then wait for the next message)."""
        state = self._state or channel_state()  # made in the worker, not before Sanic forks
        if not await self._worth_asking(state, message.sender_id):
            return []
        body = {"conversation_id": message.sender_id,
                "message": {"text": message.text, "metadata": message.metadata}}
        try:
            answer = await asyncio.wait_for(self.endpoint.request(method="post", json=body),
                                            DEADLINE)
            return list(answer["messages"])
        except Exception:
            logger.warning("could not ask for the notices of %s; they wait for the next message",
                           message.sender_id, exc_info=True)
            await self._ask_next_time(state, message.sender_id)
            return []

    async def _worth_asking(self, state: ChannelState, conversation_id: str) -> bool:
        if not notice_flags.shared(state):
            return True
        try:
            flagged = await notice_flags.take_flag(state, conversation_id)
        except Exception:
            logger.warning("could not read the notice flag of %s; asking", conversation_id)
            flagged = True
        now = time.monotonic()
        last = self._asked.get(conversation_id)
        if not flagged and last is not None and now - last < RECHECK_SECONDS:
            return False
        self._asked[conversation_id] = now
        self._asked.move_to_end(conversation_id)
        if len(self._asked) > REMEMBERED_CONVERSATIONS:
            self._asked.popitem(last=False)
        return True

    async def _ask_next_time(self, state: ChannelState, conversation_id: str) -> None:
        """After a failed request: this process asks at the next message, and so does any other
        (the flag back up, for as long as the recheck would take anyway)."""
        self._asked.pop(conversation_id, None)
        if notice_flags.shared(state):
            try:
                await notice_flags.raise_flag(state, conversation_id, RECHECK_SECONDS)
            except Exception:
                logger.warning("could not raise the notice flag of %s again", conversation_id)


_board: NoticeBoard | None = None


def ask_action_server(action_endpoint: EndpointConfig | None) -> None:
    """Called once at server start (``bot.server``): where the notices are kept."""
    global _board
    _board = NoticeBoard(action_endpoint) if action_endpoint else None


async def take_pending(message: UserMessage) -> list[dict[str, Any]]:
    return await _board.take(message) if _board else []
