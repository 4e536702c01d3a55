"""Notices the centre left for a resident (a cancelled or moved session, a reminder) that could
not be pushed: handed to the Rasa server when the resident next writes, which shows them before
the answer to that message (``bot.channels.notices``).

The action server keeps them because it holds the booking database; ``POST /notices`` (with the
action server's token) answers with the messages waiting for one conversation, in the resident's
script, and marks them shown.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.booking.schedule import beijing_now
from bot.language import reply_language
from bot.staff import notices
from bot.staff.database import centre_engine, off_loop

logger = logging.getLogger(__name__)
DEADLINE = 1.0  # seconds: a slow database must not hold up the answer


async def take_pending(conversation_id: str, message: dict[str, Any]) -> list[dict[str, Any]]:
    """The notices waiting for ``conversation_id`` as messages, oldest first, in the script of
    ``message`` (the resident's new message: text and metadata), else in the one the notice was
    written for. A database that cannot be read leaves them for the next message."""
    try:
        pending = await off_loop(notices.pending_for, centre_engine(), conversation_id,
                                 beijing_now(), deadline=DEADLINE)
    except Exception:
        logger.warning("could not read notices for %s; they stay for the next message",
                       conversation_id, exc_info=True)
        return []
    if not pending:
        return []
    messages = [notices.notice_reply(notice["kind"], notice["fields"], reply_language(
        [message, {"metadata": {"lang": notice["language"]}}])).as_message()
        for notice in pending]
    try:
        await off_loop(notices.mark_shown, centre_engine(), [n["id"] for n in pending],
                       beijing_now())
    except Exception:
        logger.exception("notices shown to %s stay pending", conversation_id)
    return messages
