"""The video-session timetable as data in the booking database, so that admins change it on the
staff desk (bot/staff/) without a redeploy.

On first start the tables are seeded from schedule.yml; from then on the database is the source of
truth. Besides the settings of schedule.yml there are two kinds of exception: a day can be closed
(public or bridging holiday) or opened (weekend make-up working day), and a single slot can be
closed or given its own capacity (a clerk is ill). Every change bumps a version number, which is
how the booking service notices it (``LiveTimetable``). Who changed what is written to the staff
desk's audit log, in the same transaction as the change (bot/staff/timetable_admin.py).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Boolean, Column, Integer, MetaData, String, Table, Text, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from bot.booking.schedule import SCHEDULE_FILE, Schedule, beijing_now, schedule_from
from bot.booking.tables import timestamp

logger = logging.getLogger(__name__)
REFRESH_SECONDS = 1.0
# what schedule.yml says besides its days, kept as one JSON document
SETTINGS = ("slot_minutes", "capacity_per_slot", "working_days", "sessions", "min_notice_hours",
            "max_days_ahead", "verified")
# policies, not timetable: they stay in schedule.yml and are not edited on the desk
POLICIES = ("max_active_bookings_per_person", "keep_personal_data_days")

metadata = MetaData()
timetable = Table(
    "timetable", metadata,
    Column("id", Integer, primary_key=True),  # always 1: one timetable
    Column("settings", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("changed_at", String(25), nullable=False),
)
timetable_days = Table(
    "timetable_days", metadata,
    Column("day", String(10), primary_key=True),
    Column("open", Boolean, nullable=False),  # False: closed (holiday); True: make-up working day
    Column("note", String(120), nullable=False, default=""),
)
timetable_slots = Table(
    "timetable_slots", metadata,
    Column("slot_start", String(25), primary_key=True),
    Column("closed", Boolean, nullable=False),
    Column("capacity", Integer),  # None: the timetable's capacity_per_slot
    Column("note", String(120), nullable=False, default=""),
)


@dataclass(frozen=True)
class Timetable(Schedule):
    """A Schedule with the slot exceptions the staff desk made; slot keys are ISO text."""

    closed_slots: frozenset[str] = frozenset()
    slot_capacity: Mapping[str, int] = field(default_factory=dict)
    day_notes: Mapping[date, str] = field(default_factory=dict)
    slot_notes: Mapping[str, str] = field(default_factory=dict)
    version: int = 0

    def slots_on(self, day: date) -> Iterator[datetime]:
        """The slots of a day that can take bookings (closed ones left out)."""
        if not self.closed_slots:  # the usual case: no slot's key to work out
            return super().slots_on(day)
        return (s for s in super().slots_on(day) if timestamp(s) not in self.closed_slots)

    def all_slots_on(self, day: date) -> Iterator[datetime]:
        """Every slot of an open day, closed ones included (the desk's day view)."""
        return super().slots_on(day)

    def is_closed(self, slot: datetime) -> bool:
        return timestamp(slot) in self.closed_slots

    def capacity_at(self, slot: datetime) -> int:
        if not self.slot_capacity:
            return self.capacity_per_slot
        return self.slot_capacity.get(timestamp(slot), self.capacity_per_slot)

    @property
    def settings(self) -> dict[str, Any]:
        """The editable settings, as schedule.yml spells them."""
        return {
            "slot_minutes": self.slot_minutes, "capacity_per_slot": self.capacity_per_slot,
            "working_days": sorted(self.working_days),
            "sessions": [{"name": s.name, "start": s.start.strftime("%H:%M"),
                          "end": s.end.strftime("%H:%M")} for s in self.sessions],
            "min_notice_hours": int(self.min_notice.total_seconds() // 3600),
            "max_days_ahead": self.max_days_ahead, "verified": self.verified,
        }


@cache
def _policies(path: Path = SCHEDULE_FILE) -> dict[str, Any]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {key: raw[key] for key in POLICIES}


def create_tables(engine: Engine) -> None:
    metadata.create_all(engine)


def seed(engine: Engine, path: Path = SCHEDULE_FILE) -> bool:
    """Fills the tables from schedule.yml when they are empty; True when it did."""
    create_tables(engine)
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    try:
        with engine.begin() as connection:
            if connection.execute(select(timetable.c.id)).first():
                return False
            connection.execute(timetable.insert().values(
                id=1, settings=json.dumps({key: raw[key] for key in SETTINGS if key in raw}),
                version=1, changed_at=timestamp(beijing_now())))
            closed = [*raw.get("public_holidays", []), *raw.get("closed_days", [])]
            rows = [{"day": day.isoformat(), "open": False, "note": ""} for day in sorted(set(closed))]
            rows += [{"day": day.isoformat(), "open": True, "note": ""}
                     for day in sorted(set(raw.get("open_days", [])))]
            if rows:
                connection.execute(timetable_days.insert(), rows)
            return True
    except IntegrityError:  # another process seeded it at the same moment
        return False


def load(connection: Connection) -> Timetable:
    row = connection.execute(select(timetable)).mappings().first()
    if row is None:
        raise LookupError("the timetable is not seeded; call bot.booking.timetable.seed first")
    raw = {**_policies(), **json.loads(row["settings"])}
    days = connection.execute(select(timetable_days)).mappings().all()
    raw["public_holidays"] = [date.fromisoformat(d["day"]) for d in days if not d["open"]]
    raw["open_days"] = [date.fromisoformat(d["day"]) for d in days if d["open"]]
    base = schedule_from(raw)
    slots = connection.execute(select(timetable_slots)).mappings().all()
    return Timetable(
        **{f.name: getattr(base, f.name) for f in fields(Schedule)},
        closed_slots=frozenset(s["slot_start"] for s in slots if s["closed"]),
        slot_capacity={s["slot_start"]: s["capacity"] for s in slots if s["capacity"] is not None},
        day_notes={date.fromisoformat(d["day"]): d["note"] for d in days if d["note"]},
        slot_notes={s["slot_start"]: s["note"] for s in slots if s["note"]},
        version=row["version"])


def current_version(connection: Connection) -> int:
    return connection.execute(select(timetable.c.version)).scalar_one()


# --- changes (the caller writes the audit entry in the same transaction) ------------------------

def _bump(connection: Connection) -> None:
    connection.execute(update(timetable).values(version=timetable.c.version + 1,
                                                changed_at=timestamp(beijing_now())))


def change_settings(connection: Connection, **changes: Any) -> None:
    unknown = set(changes) - set(SETTINGS)
    if unknown:
        raise ValueError(f"not timetable settings: {sorted(unknown)}")
    settings = json.loads(connection.execute(select(timetable.c.settings)).scalar_one())
    settings.update(changes)
    # refuse what could not be loaded back
    schedule_from({**_policies(), **settings, "public_holidays": []})
    connection.execute(update(timetable).values(settings=json.dumps(settings)))
    _bump(connection)


def set_day(connection: Connection, day: date, is_open: bool | None, note: str = "") -> None:
    """Closes (False) or opens (True) a day against the weekly pattern; None removes the exception."""
    connection.execute(timetable_days.delete().where(timetable_days.c.day == day.isoformat()))
    if is_open is not None:
        connection.execute(timetable_days.insert().values(day=day.isoformat(), open=is_open,
                                                          note=note))
    _bump(connection)


def set_slot(connection: Connection, slot: datetime, *, closed: bool, capacity: int | None,
             note: str = "") -> None:
    """A slot's exception; open with the usual capacity removes it."""
    key = timestamp(slot)
    connection.execute(timetable_slots.delete().where(timetable_slots.c.slot_start == key))
    if closed or capacity is not None:
        connection.execute(timetable_slots.insert().values(slot_start=key, closed=closed,
                                                           capacity=capacity, note=note))
    _bump(connection)


class LiveTimetable:
    """Stands in for a ``Schedule`` in the booking service and always shows the latest timetable.

    Callers run on an event loop, so they never wait for the database: a background thread
    checks the version every ``refresh_seconds`` and re-reads the timetable when it changed;
    callers read the latest snapshot. A change on the desk reaches bookings within about a
    second; a booking that slips into a slot closed in that second shows on the desk as one to
    resolve (bot/staff/views_day.py), never silently.
    """

    def __init__(self, engine: Engine, refresh_seconds: float = REFRESH_SECONDS) -> None:
        self._engine = engine
        with engine.connect() as connection:
            self._current = load(connection)
        self._stop = threading.Event()
        threading.Thread(target=self._follow, args=(refresh_seconds,), daemon=True,
                         name="timetable-follower").start()

    def current(self) -> Timetable:
        return self._current

    def close(self) -> None:
        self._stop.set()

    def _follow(self, refresh_seconds: float) -> None:
        while not self._stop.wait(refresh_seconds):
            try:
                with self._engine.connect() as connection:
                    if current_version(connection) != self._current.version:
                        self._current = load(connection)
            except Exception:  # the database is away: keep answering from the last snapshot
                logger.exception("could not re-read the timetable; still using version %s",
                                 self._current.version)

    def __getattr__(self, name: str) -> Any:
        # slot_minutes, bookable_slots, why_not_bookable, capacity_at...: the current timetable's
        return getattr(self._current, name)
