"""Admins change the timetable: settings, days, single slots. One rule guards every change: a
change that would leave a live booking in a slot that no longer exists or has too few places is
refused, with those bookings listed, so the admin moves or cancels them first (with notices).
Nothing is dropped silently. Each change and its audit entry are one transaction.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from bot.booking import timetable
from bot.booking.tables import BOOKED, bookings, timestamp
from bot.staff import audit
from bot.staff.bookings import masked_view

Change = Callable[[Connection], None]


class NeedsResolving(Exception):
    """The change would strand these live bookings (masked views, in time order)."""

    def __init__(self, stranded: list[dict[str, Any]]) -> None:
        super().__init__(f"{len(stranded)} booking(s) to move or cancel first")
        self.stranded = stranded


def stranded_bookings(connection: Connection, table: timetable.Timetable, now: datetime
                      ) -> list[dict[str, Any]]:
    """Live future bookings whose slot the timetable no longer offers, or offers with fewer
    places than it holds."""
    rows = connection.execute(select(bookings).where(
        bookings.c.status == BOOKED, bookings.c.slot_start >= timestamp(now))
        .order_by(bookings.c.slot_start, bookings.c.reference)).mappings().all()
    per_slot = Counter(row["slot_start"] for row in rows)
    offered: dict[date, set[str]] = {}
    stranded = []
    for row in rows:
        start = datetime.fromisoformat(row["slot_start"])
        day = start.date()
        if day not in offered:
            offered[day] = {timestamp(s) for s in table.slots_on(day)}
        key = row["slot_start"]
        if key not in offered[day] or per_slot[key] > table.capacity_at(start):
            stranded.append(masked_view(dict(row)))
    return stranded


def apply(engine: Engine, change: Change, actor: str, action: str, subject: str, now: datetime,
          **details: Any) -> None:
    with engine.begin() as connection:
        before = {b["reference"] for b in stranded_bookings(connection, timetable.load(connection), now)}
        change(connection)
        after = stranded_bookings(connection, timetable.load(connection), now)
        stranded = [b for b in after if b["reference"] not in before]  # this change's doing
        if stranded:
            raise NeedsResolving(stranded)  # leaving the block rolls the change back
        audit.record(connection, actor, action, subject, now, **details)


def change_settings(engine: Engine, actor: str, now: datetime, **settings: Any) -> None:
    apply(engine, lambda c: timetable.change_settings(c, **settings), actor,
          "timetable_settings", "timetable", now, **settings)


def set_day(engine: Engine, day: date, is_open: bool | None, note: str, actor: str,
            now: datetime) -> None:
    action = {None: "day_reset", True: "day_open", False: "day_close"}[is_open]
    apply(engine, lambda c: timetable.set_day(c, day, is_open, note), actor, action,
          day.isoformat(), now, note=note)


def set_slot(engine: Engine, slot: datetime, closed: bool, capacity: int | None, note: str,
             actor: str, now: datetime) -> None:
    action = "slot_close" if closed else "slot_open"
    apply(engine, lambda c: timetable.set_slot(c, slot, closed=closed, capacity=capacity, note=note),
          actor, action, timestamp(slot), now, capacity=capacity, note=note)
