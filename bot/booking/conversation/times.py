"""Times of video sessions: which free slots fit what the user asked, and how to write a slot in
the reader's language. The timetable's numbers (slot length, hours, how far ahead) come from
schedule.yml."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from bot.booking.client import BookingClient
from bot.booking.schedule import BEIJING, default_schedule
from bot.booking.when import WhenRequest, combined, matching, parse_when
from bot.language import EN
from bot.replies import Phrases, phrase_data

SLOT_BUTTONS = 6


async def free_slots(client: BookingClient, service_id: str, now: datetime,
                     exclude: str | None = None) -> list[datetime]:
    """The free slots from today to the last bookable day, but ``exclude`` (a slot as ISO text to
    the minute: the one a booking being moved already has)."""
    today = now.astimezone(BEIJING).date()
    last_day = today + timedelta(days=default_schedule().max_days_ahead)
    return [slot.start for slot in await client.available_slots(service_id, today, last_day)
            if slot.start.isoformat(timespec="minutes") != exclude]


def spread(starts: list[datetime]) -> list[datetime]:
    """Up to SLOT_BUTTONS choices, the first free slot of each half-day, so they span days."""
    chosen: dict[tuple[date, bool], datetime] = {}
    for start in sorted(starts):
        chosen.setdefault((start.date(), start.hour < 12), start)
    return list(chosen.values())[:SLOT_BUTTONS]


@dataclass(frozen=True)
class Choice:
    """The slot the answer names, or the slots to offer and why none was taken."""

    request: WhenRequest  # what was asked, with the day carried over from before
    slot: datetime | None = None
    offer: tuple[datetime, ...] = ()
    why: str | None = None  # a booking.* phrase key; None when the offer is simply a list to pick


def read_when(text: str, earlier: WhenRequest, today: date) -> WhenRequest:
    return combined(parse_when(text, today, default_schedule().opening), earlier)


def choose(request: WhenRequest, shown: list[datetime], free: list[datetime], today: date
           ) -> Choice:
    """Never a silent guess: one slot only when exactly one fits (or the day and time were both
    given); otherwise the fitting slots to pick from, or why there are none."""
    if request.is_empty:
        return Choice(request, offer=tuple(spread(free)), why="slot_not_understood")
    fitting = matching(request, free)
    if request.clock and not request.day:
        # "十點" after a list of days: that time on the days just shown
        shown_days = {start.date() for start in shown}
        fitting = [s for s in fitting if s.date() in shown_days] or fitting
    if len(fitting) == 1 or (fitting and request.day and request.clock):
        return Choice(request, fitting[0])
    if fitting:
        offer = fitting if request.day or request.clock else spread(fitting)
        return Choice(request, offer=tuple(offer[:SLOT_BUTTONS]))
    nearby = [s for s in free if not request.day or s.date() >= request.day]
    same_day = [s for s in free if request.day and s.date() == request.day]
    offer = same_day[:SLOT_BUTTONS] or spread(nearby or free)
    return Choice(request, offer=tuple(offer), why=_why_none(request, today, bool(same_day)))


def _why_none(request: WhenRequest, today: date, day_has_slots: bool) -> str:
    schedule = default_schedule()
    if request.is_empty:
        return "slot_not_understood"
    if request.day and request.day < today:
        return "slot_in_past"
    if request.day and request.day > today + timedelta(days=schedule.max_days_ahead):
        return "slot_too_far"
    if request.day and not day_has_slots:
        return "slot_day_full"
    return "slot_taken"


def iso(starts: list[datetime] | tuple[datetime, ...]) -> list[str]:
    return [start.isoformat(timespec="minutes") for start in starts]


def _date_parts(moment: datetime, phrases: Phrases) -> dict[str, Any]:
    local = moment.astimezone(BEIJING)
    weekdays = phrase_data("booking.weekdays")["en" if phrases.language == EN else "zh"]
    return {"year": local.year, "month": local.month, "day": local.day,
            "month_name": local.strftime("%b"), "weekday": weekdays[local.weekday()],
            "start": local.strftime("%H:%M")}


def slot_title(start: datetime, phrases: Phrases) -> str:
    return phrases("booking.slot_title", **_date_parts(start, phrases))


def slot_long(start: datetime, phrases: Phrases) -> str:
    length = timedelta(minutes=default_schedule().slot_minutes)
    end = (start + length).astimezone(BEIJING).strftime("%H:%M")
    return phrases("booking.slot_long", end=end, **_date_parts(start, phrases))


def day_words(day: date, phrases: Phrases) -> str:
    parts = _date_parts(datetime.combine(day, datetime.min.time(), BEIJING), phrases)
    if phrases.language == EN:
        return f"{parts['weekday']} {parts['day']} {parts['month_name']}"
    return f"{parts['month']}月{parts['day']}日（{parts['weekday']}）"


def hours_words() -> str:
    """The sessions as the phrases quote them: "09:00–12:00, 14:30–17:30"."""
    return ", ".join(f"{s.start:%H:%M}–{s.end:%H:%M}" for s in default_schedule().sessions)
