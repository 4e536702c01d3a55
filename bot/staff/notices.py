"""Notices to residents: their wording in the resident's script, and their storage.

A notice that could not be pushed waits as "pending" for the resident's next message in that
conversation (the Rasa server shows it first, then answers the message: bot/channels/notices.py
asks actions/notices.py). It expires when it no
longer matters: a reminder at the session's start, a change 30 days after the session.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.engine import Engine

from bot.booking.conversation.times import slot_long
from bot.catalog import default_catalog
from bot.replies import Phrases, Reply, payload
from bot.staff.database import stamp
from bot.staff.tables import notices

KEEP_AFTER_SESSION = timedelta(days=30)


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
