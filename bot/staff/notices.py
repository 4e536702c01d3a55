"""Notices to residents: their wording in the resident's script, and their storage.

A notice that could not be pushed waits as "pending" for the resident's next message in that
conversation: the Rasa server asks the action server for it (``POST /notices``, which answers
with ``take_pending``), shows it first, then answers the message (bot/channels/notices.py). It
expires when it no longer matters: a reminder at the session's start, a change 30 days after the
session.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.engine import Engine

from bot.blocking import off_loop
from bot.booking.conversation.times import slot_long
from bot.booking.schedule import beijing_now
from bot.catalog import default_catalog
from bot.language import reply_language
from bot.replies import Phrases, Reply, payload
from bot.staff.database import centre_engine, stamp
from bot.staff.tables import notices

logger = logging.getLogger(__name__)

KEEP_AFTER_SESSION = timedelta(days=30)
TAKE_DEADLINE = 1.0  # seconds: a slow database must not hold up the answer


def notice_reply(kind: str, fields: dict[str, Any], language: str) -> Reply:
    """The notice as the resident reads it, with the next steps as buttons."""
    phrases = Phrases(language)
    service = default_catalog().services.get(fields["service_id"])
    values = {
        "reference": fields["reference"],
        "service": phrases.text(service.name) if service else fields["service_id"],
        "slot": slot_long(datetime.fromisoformat(fields["slot"]), phrases),
        "reason": phrases.word(f"staffdesk.reasons.{fields.get('reason') or 'other'}"),
        "old_slot": slot_long(datetime.fromisoformat(fields.get("old_slot") or fields["slot"]),
                              phrases),
    }
    buttons = {
        "cancelled": [phrases.button("book_video", payload("book_video_service")),
                      phrases.button("human", payload("human_handoff"))],
        "moved": [phrases.button("check", payload("check_booking")),
                  phrases.button("cancel", payload("cancel_booking"))],
        "reminder": [phrases.button("check", payload("check_booking")),
                     phrases.button("cancel", payload("cancel_booking"))],
    }[kind]
    return Reply(phrases(f"staffdesk.notice_{kind}", **values), buttons)


def expiry(kind: str, fields: dict[str, Any]) -> datetime:
    slot = datetime.fromisoformat(fields["slot"])
    return slot if kind == "reminder" else slot + KEEP_AFTER_SESSION


def record(engine: Engine, kind: str, fields: dict[str, Any], language: str, status: str,
           via: str | None, now: datetime, sender_id: str | None = None,
           channel: str | None = None) -> None:
    with engine.begin() as connection:
        connection.execute(notices.insert().values(
            reference=fields["reference"], kind=kind, sender_id=sender_id, channel=channel,
            language=language, fields=json.dumps(fields, ensure_ascii=False),
            created_at=stamp(now), status=status, via=via,
            done_at=stamp(now) if status == "sent" else None,
            expires_at=stamp(expiry(kind, fields))))


def pending_for(engine: Engine, sender_id: str, now: datetime) -> list[dict[str, Any]]:
    """The notices waiting for this conversation, oldest first."""
    with engine.connect() as connection:
        rows = connection.execute(select(notices).where(
            notices.c.sender_id == sender_id, notices.c.status == "pending",
            or_(notices.c.expires_at.is_(None), notices.c.expires_at > stamp(now)))
            .order_by(notices.c.id)).mappings().all()
    return [{**row, "fields": json.loads(row["fields"])} for row in rows]


def mark_shown(engine: Engine, notice_ids: list[int], now: datetime) -> None:
    """After they were sent: a failure here shows a notice twice, never not at all."""
    if notice_ids:
        with engine.begin() as connection:
            connection.execute(update(notices).where(
                and_(notices.c.id.in_(notice_ids), notices.c.status == "pending"))
                .values(status="shown", done_at=stamp(now)))


def notices_of(engine: Engine, reference: str) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        rows = connection.execute(select(notices).where(notices.c.reference == reference)
                                  .order_by(notices.c.id)).mappings().all()
    return [dict(row) for row in rows]


def references_with(engine: Engine, kind: str, references: list[str]) -> set[str]:
    """Which of these bookings already have a notice of this kind (reminders go out once)."""
    if not references:
        return set()
    with engine.connect() as connection:
        rows = connection.execute(select(notices.c.reference).where(
            notices.c.kind == kind, notices.c.reference.in_(references))).all()
    return {reference for (reference,) in rows}


async def take_pending(conversation_id: str, message: dict[str, Any]) -> list[dict[str, Any]]:
    """The notices waiting for ``conversation_id`` as messages, oldest first, in the script of
    ``message`` (the resident's new message: text and metadata), else in the one the notice was
    written for. A database that cannot be read leaves them for the next message."""
    try:
        pending = await off_loop(pending_for, centre_engine(), conversation_id,
                                 beijing_now(), deadline=TAKE_DEADLINE)
    except Exception:
        logger.warning("could not read notices for %s; they stay for the next message",
                       conversation_id, exc_info=True)
        return []
    if not pending:
        return []
    messages = [notice_reply(notice["kind"], notice["fields"], reply_language(
        [message, {"metadata": {"lang": notice["language"]}}])).as_message()
        for notice in pending]
    try:
        await off_loop(mark_shown, centre_engine(), [n["id"] for n in pending],
                       beijing_now())
    except Exception:
        logger.exception("notices shown to %s stay pending", conversation_id)
    return messages
