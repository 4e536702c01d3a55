"""The video-session timetable (schedule.yml): which slots exist and which can be booked now.

All times are Beijing time (UTC+8, no daylight saving); Hong Kong and Macau use the same clock.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Any

import yaml

BEIJING = timezone(timedelta(hours=8), "Beijing time")
SCHEDULE_FILE = Path(__file__).with_name("schedule.yml")


def beijing_now() -> datetime:
    return datetime.now(BEIJING)


@dataclass(frozen=True)
class Session:
    name: str  # morning | afternoon
    start: time
    end: time


@dataclass(frozen=True)
class Schedule:
    slot_minutes: int
    capacity_per_slot: int
    working_days: frozenset[int]
    sessions: tuple[Session, ...]
    min_notice: timedelta
    max_days_ahead: int
    max_active_per_person: int
    keep_personal_data_days: int
    closed_days: frozenset[date]
    open_days: frozenset[date]
    verified: bool

    @property
    def opening(self) -> tuple[time, time]:
        """From the first session's start to the last one's end: what "office hours" means."""
        return min(s.start for s in self.sessions), max(s.end for s in self.sessions)

    def is_open_on(self, day: date) -> bool:
        if day in self.open_days:
            return True
        return day.isoweekday() in self.working_days and day not in self.closed_days

    def capacity_at(self, slot: datetime) -> int:
        """Places in one slot (the staff desk's timetable can set it per slot)."""
        return self.capacity_per_slot

    def slots_on(self, day: date) -> Iterator[datetime]:
        """Every slot start of a day, whether or not it can still be booked."""
        if not self.is_open_on(day):
            return
        step = timedelta(minutes=self.slot_minutes)
        for session in self.sessions:
            start = datetime.combine(day, session.start, BEIJING)
            end = datetime.combine(day, session.end, BEIJING)
            while start + step <= end:
                yield start
                start += step

    def bookable_window(self, now: datetime) -> tuple[datetime, datetime]:
        """The earliest and latest slot start that may be booked at ``now``."""
        now = now.astimezone(BEIJING)
        return now + self.min_notice, now + timedelta(days=self.max_days_ahead)

    def bookable_slots(self, now: datetime, first_day: date, last_day: date
                       ) -> Iterator[datetime]:
        earliest, latest = self.bookable_window(now)
        day = max(first_day, earliest.date())
        while day <= min(last_day, latest.date()):
            yield from (s for s in self.slots_on(day) if earliest <= s <= latest)
            day += timedelta(days=1)

    def why_not_bookable(self, slot: datetime, now: datetime) -> str | None:
        """None when ``slot`` can be booked at ``now``; otherwise a reason code."""
        slot = slot.astimezone(BEIJING)
        earliest, latest = self.bookable_window(now)
        if slot < now:
            return "slot_in_past"
        if slot < earliest:
            return "slot_too_soon"
        if slot > latest:
            return "slot_too_far"
        if not self.is_open_on(slot.date()):
            return "closed_day"
        if slot not in set(self.slots_on(slot.date())):
            return "slot_not_offered"
        return None


def _clock(text: str) -> time:
    return time.fromisoformat(text)


def schedule_from(raw: dict[str, Any]) -> Schedule:
    return Schedule(
        slot_minutes=int(raw["slot_minutes"]),
        capacity_per_slot=int(raw["capacity_per_slot"]),
        working_days=frozenset(raw["working_days"]),
        sessions=tuple(Session(s["name"], _clock(s["start"]), _clock(s["end"]))
                       for s in raw["sessions"]),
        min_notice=timedelta(hours=raw["min_notice_hours"]),
        max_days_ahead=int(raw["max_days_ahead"]),
        max_active_per_person=int(raw["max_active_bookings_per_person"]),
        keep_personal_data_days=int(raw["keep_personal_data_days"]),
        closed_days=frozenset([*raw["public_holidays"], *raw.get("closed_days", [])]),
        open_days=frozenset(raw.get("open_days", [])),
        verified=bool(raw.get("verified", False)),
    )


def load_schedule(path: Path = SCHEDULE_FILE) -> Schedule:
    return schedule_from(yaml.safe_load(path.read_text(encoding="utf-8")))


@cache
def default_schedule() -> Schedule:
    return load_schedule()
