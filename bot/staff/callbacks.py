"""The call-back queue: requests residents leave in the chat (with consent), claimed and closed by
clerks on the desk. The phone is the only clear personal datum; revealing it is audited, and it
is deleted ``keep_days`` after the request is closed (``python -m bot.staff purge``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine

from bot.booking.identity import parse_phone
from bot.staff import audit
from bot.staff.database import stamp
from bot.staff.masking import mask_text
from bot.staff.tables import CALLBACK_OUTCOMES, callbacks

WAITING, CLAIMED, CLOSED = "waiting", "claimed", "closed"
OPEN = (WAITING, CLAIMED)


class CallbackConflict(Exception):
    def __init__(self, code: str, **values: Any) -> None:
        super().__init__(code)
        self.code, self.values = code, values


@dataclass(frozen=True)
class NewCallback:
    phone: str  # E.164, checked by bot.booking.identity.parse_phone
    language: str
    channel: str
    reason: str  # handoff | rating
    context: list[dict[str, str]]  # the last turns, already masked
    rating: int | None = None
    comment: str | None = None


def create(engine: Engine, request: NewCallback, now: datetime) -> tuple[int, int]:
    """Registers a request; returns its id and how many open requests are before it."""
    with engine.begin() as connection:
        ahead = connection.execute(select(func.count()).select_from(callbacks).where(
            callbacks.c.status.in_(OPEN))).scalar_one()
        result = connection.execute(callbacks.insert().values(
            created_at=stamp(now), language=request.language, channel=request.channel,
            reason=request.reason, phone=request.phone,
            phone_masked=parse_phone(request.phone).masked, consent_at=stamp(now),
            context=json.dumps(request.context, ensure_ascii=False), rating=request.rating,
            comment=mask_text(request.comment) if request.comment else None, status=WAITING))
        return int(result.inserted_primary_key[0]), int(ahead)


def queue(engine: Engine, include_closed: int = 20) -> list[dict[str, Any]]:
    """Open requests, oldest first, then the latest closed ones; phones masked."""
    with engine.connect() as connection:
        open_rows = connection.execute(select(callbacks).where(callbacks.c.status.in_(OPEN))
                                       .order_by(callbacks.c.id)).mappings().all()
        closed_rows = connection.execute(select(callbacks).where(callbacks.c.status == CLOSED)
                                         .order_by(callbacks.c.id.desc())
                                         .limit(include_closed)).mappings().all()
    return [_view(row) for row in (*open_rows, *closed_rows)]


def _view(row: Any) -> dict[str, Any]:
    view = {key: value for key, value in dict(row).items() if key != "phone"}
    view["context"] = json.loads(row["context"])
    view["created_at"] = datetime.fromisoformat(row["created_at"])
    return view


def _row(connection: Any, callback_id: int) -> dict[str, Any]:
    row = connection.execute(select(callbacks).where(callbacks.c.id == callback_id)).mappings().first()
    if row is None:
        raise CallbackConflict("not_found")
    return dict(row)


def claim(engine: Engine, callback_id: int, actor: str, now: datetime) -> None:
    with engine.begin() as connection:
        row = _row(connection, callback_id)
        taken = connection.execute(update(callbacks).where(
            callbacks.c.id == callback_id, callbacks.c.status == WAITING).values(
            status=CLAIMED, claimed_by=actor, claimed_at=stamp(now)))
        if taken.rowcount != 1:
            raise CallbackConflict("done_already" if row["status"] == CLOSED else "taken",
                                   name=row["claimed_by"] or "")
        audit.record(connection, actor, "callback_claim", f"callback-{callback_id}", now)


def _claimed_by(connection: Any, callback_id: int, actor: str) -> dict[str, Any]:
    row = _row(connection, callback_id)
    if row["status"] == CLOSED:
        raise CallbackConflict("done_already")
    if row["status"] != CLAIMED or row["claimed_by"] != actor:
        raise CallbackConflict("not_yours")
    return row


def reveal_phone(engine: Engine, callback_id: int, actor: str, now: datetime) -> str:
    with engine.begin() as connection:
        row = _claimed_by(connection, callback_id, actor)
        audit.record(connection, actor, "reveal_phone", f"callback-{callback_id}", now)
        return str(row["phone"])


def close(engine: Engine, callback_id: int, actor: str, outcome: str, note: str,
          now: datetime) -> None:
    if outcome not in CALLBACK_OUTCOMES:
        raise CallbackConflict("invalid_outcome")
    with engine.begin() as connection:
        _claimed_by(connection, callback_id, actor)
        connection.execute(update(callbacks).where(callbacks.c.id == callback_id).values(
            status=CLOSED, closed_by=actor, closed_at=stamp(now), outcome=outcome,
            note=mask_text(note)))
        audit.record(connection, actor, "callback_close", f"callback-{callback_id}", now,
                     outcome=outcome)


def purge(engine: Engine, now: datetime, keep_days: int) -> int:
    """Deletes the phones of requests closed more than ``keep_days`` ago."""
    cutoff = stamp(now - timedelta(days=keep_days))
    with engine.begin() as connection:
        result = connection.execute(update(callbacks).where(
            callbacks.c.status == CLOSED, callbacks.c.closed_at < cutoff,
            callbacks.c.phone.isnot(None)).values(phone=None))
        return result.rowcount


def waiting_times(engine: Engine, since: datetime) -> list[dict[str, Any]]:
    """For the report: each request since ``since`` with its wait to be claimed (minutes)."""
    with engine.connect() as connection:
        rows = connection.execute(select(
            callbacks.c.created_at, callbacks.c.claimed_at, callbacks.c.status,
            callbacks.c.outcome, callbacks.c.reason, callbacks.c.channel)
            .where(callbacks.c.created_at >= stamp(since))).mappings().all()
    result = []
    for row in rows:
        wait = None
        if row["claimed_at"]:
            wait = (datetime.fromisoformat(row["claimed_at"])
                    - datetime.fromisoformat(row["created_at"])).total_seconds() / 60
        result.append({**row, "wait_minutes": wait})
    return result
