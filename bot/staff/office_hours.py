"""Office hours and the expected wait for a call-back, from the timetable in the database: the
centre is open during the timetable's sessions on its open days (holidays and make-up working
days included), the same hours its clerks take video sessions."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.booking.schedule import BEIJING, Schedule

LOOK_AHEAD_DAYS = 21


def office_periods(table: Schedule, first_day: date, days: int = LOOK_AHEAD_DAYS
                   ) -> Iterator[tuple[datetime, datetime]]:
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        if table.is_open_on(day):
            for session in table.sessions:
                yield (datetime.combine(day, session.start, BEIJING),
                       datetime.combine(day, session.end, BEIJING))


@dataclass(frozen=True)
class ExpectedCall:
    open_now: bool
    opens_at: datetime | None  # the next opening, when closed now
    call_by: datetime | None  # None: no office hours in the coming weeks

    def minutes_from(self, now: datetime) -> int | None:
        """Minutes until the call when it is expected today, in the current office period."""
        if not self.open_now or self.call_by is None or self.call_by.date() != now.date():
            return None
        return max(1, math.ceil((self.call_by - now).total_seconds() / 60))


def expected_call(table: Schedule, now: datetime, ahead: int, minutes_per_call: int,
                  clerks: int) -> ExpectedCall:
    """When a request with ``ahead`` open requests before it should be called, counting only
    office time: each clerk takes ``minutes_per_call`` per request, in turn."""
    now = now.astimezone(BEIJING)
    work = timedelta(minutes=math.ceil((ahead + 1) / max(clerks, 1)) * minutes_per_call)
    open_now, opens_at, call_by = False, None, None
    for start, end in office_periods(table, now.date()):
        if end <= now:
            continue
        if start <= now:
            open_now = True
        elif opens_at is None and not open_now:
            opens_at = start
        begin = max(start, now)
        if work <= end - begin:
            call_by = begin + work
            break
        work -= end - begin
    return ExpectedCall(open_now, opens_at, call_by)
