"""Understanding when a user wants their video session: "明天下午", "12月3日上午", "星期五10点",
"下個禮拜一朝早", "next Monday morning", "3 Dec 2:30pm", or a button's ISO time.

The text is normalised first (bot.nlu.normaliser: 禮拜 -> 星期, 朝早 -> 上午, 聽日 -> 明天), so
one set of patterns serves Traditional, Cantonese and Simplified. The result is what was asked
(a day, a part of the day, a clock time; any may be missing); ``matching`` picks the free slots
that fit it.

An hour said without a part of the day is read in office hours ("三點" is 15:00, not 3 a.m.), and
a later answer that names no day keeps the day asked before (``combined``: "禮拜四朝早", then
"十點", is Thursday 10:00).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.booking.schedule import BEIJING
from bot.nlu.normaliser import normalise

MORNING, AFTERNOON = "morning", "afternoon"
_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
              "九": 9, "十": 10, "十一": 11, "十二": 12}
_WEEKDAYS_CN = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "日": 7, "天": 7}
_WEEKDAYS_EN = {"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7}
_MONTHS_EN = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}


@dataclass(frozen=True)
class WhenRequest:
    day: date | None = None
    period: str | None = None  # MORNING | AFTERNOON
    clock: time | None = None

    @property
    def is_empty(self) -> bool:
        return self.day is None and self.period is None and self.clock is None

    def as_slot(self) -> dict[str, str | None]:
        """What the conversation remembers of it between turns (the day and part of the day)."""
        return {"day": self.day.isoformat() if self.day else None, "period": self.period}

    @classmethod
    def from_slot(cls, value: object) -> WhenRequest:
        if not isinstance(value, dict):
            return cls()
        day = value.get("day")
        return cls(date.fromisoformat(day) if isinstance(day, str) else None,
                   value.get("period") if value.get("period") in (MORNING, AFTERNOON) else None)


Opening = tuple[time, time]  # the first session's start and the last one's end (schedule.yml)


def parse_when(text: str, today: date, opening: Opening) -> WhenRequest:
    """What day, part of the day and time the text asks for, relative to ``today``; a bare hour
    is read inside ``opening``."""
    exact = _iso(text)
    if exact:
        return WhenRequest(exact.date(), None, exact.time().replace(tzinfo=None))
    normalised = normalise(text).text
    period = _period(normalised)
    clock = _clock(normalised, period, opening)
    if clock and not period:
        period = MORNING if clock < time(12) else AFTERNOON
    return WhenRequest(_day(normalised, today), period, clock)


def combined(request: WhenRequest, earlier: WhenRequest) -> WhenRequest:
    """A later answer that names no day keeps the day (and part of the day) asked before."""
    if request.day or not earlier.day:
        return request
    period = request.period if request.period or request.clock else earlier.period
    return WhenRequest(earlier.day, period, request.clock)


def _iso(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return moment.astimezone(BEIJING) if moment.tzinfo else moment.replace(tzinfo=BEIJING)


def _period(text: str) -> str | None:
    if re.search(r"下午|afternoon|\bpm\b|\d\s*pm", text):
        return AFTERNOON
    if re.search(r"上午|早上|早晨|朝|morning|\bam\b|\d\s*am", text):
        return MORNING
    return None


def _clock(text: str, period: str | None, opening: Opening) -> time | None:
    match = (re.search(r"(\d{1,2})\s*[:：]\s*(\d{2})", text)
             or re.search(r"(\d{1,2}|[一二两三四五六七八九十]{1,2})\s*点\s*(半|\d{1,2}分?)?", text)
             or re.search(r"\b(\d{1,2})\s*(am|pm)\b", text))
    if not match:
        return None
    hour_text, minute_text = match.group(1), match.group(2) or ""
    hour = int(hour_text) if hour_text.isdigit() else _CN_DIGITS.get(hour_text)
    if hour is None:
        return None
    minute = 30 if minute_text == "半" else int(re.sub(r"\D", "", minute_text) or 0)
    if hour > 23 or minute > 59:
        return None
    if (period == AFTERNOON or "pm" in minute_text) and hour < 12:
        hour += 12
    elif period is None and hour < 12:
        hour = _office_hour(hour, minute, opening)
    return time(hour, minute)


def _office_hour(hour: int, minute: int, opening: Opening) -> int:
    """3 -> 15, 10 -> 10: the reading that falls in office hours; else the afternoon for small
    hours (nobody books 3 a.m.)."""
    for candidate in (hour, hour + 12):
        if opening[0] <= time(candidate, minute) <= opening[1]:
            return candidate
    return hour + 12 if hour < 8 else hour


def _day(text: str, today: date) -> date | None:
    for word, offset in (("大后天", 3), ("后天", 2), ("明天", 1), ("今天", 0), ("今晚", 0),
                         ("day after tomorrow", 2), ("tomorrow", 1), ("today", 0)):
        if word in text:
            return today + timedelta(days=offset)
    weekday, calendar = _weekday(text, today), _calendar_date(text, today)
    if weekday and calendar and calendar.isoweekday() != weekday.isoweekday():
        return None  # "Tuesday 2 Dec" when the 2nd is a Wednesday: no day is safer than a guess
    return calendar or weekday


def _weekday(text: str, today: date) -> date | None:
    match = re.search(r"(下个?|这个?|本)?\s*(?:星期|周)([一二三四五六日天])", text)
    if match:
        wanted, modifier = _WEEKDAYS_CN[match.group(2)], match.group(1) or ""
        return _next_weekday(today, wanted, next_week=modifier.startswith("下"))
    match = re.search(r"\b(next|this)?\s*(mon|tue|wed|thu|fri|sat|sun)[a-z]*\b", text)
    if match:
        return _next_weekday(today, _WEEKDAYS_EN[match.group(2)],
                             next_week=match.group(1) == "next")
    return None


def _next_weekday(today: date, weekday: int, next_week: bool) -> date:
    """The coming ``weekday`` (today counts); "next" means the one in the following week."""
    if next_week:
        monday_next_week = today + timedelta(days=7 - today.isoweekday() + 1)
        return monday_next_week + timedelta(days=weekday - 1)
    return today + timedelta(days=(weekday - today.isoweekday()) % 7)


def _calendar_date(text: str, today: date) -> date | None:
    match = (re.search(r"(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?", text)
             or re.search(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b", text))
    if match and len(match.groups()) == 3:
        return _safe_date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    if match:
        return _in_coming_year(today, int(match.group(1)), int(match.group(2)))
    match = (re.search(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|"
                       r"nov|dec)[a-z]*\b", text)
             or re.search(r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\s+"
                          r"(\d{1,2})(?:st|nd|rd|th)?\b", text))
    if match:
        first, second = match.groups()
        month, day = (_MONTHS_EN[second], int(first)) if first.isdigit() else (
            _MONTHS_EN[first], int(second))
        return _in_coming_year(today, month, day)
    return None


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _in_coming_year(today: date, month: int, day: int) -> date | None:
    """12月3日 said in late November is this year's; 1月5日 said in December is next year's."""
    this_year = _safe_date(today.year, month, day)
    if this_year and this_year >= today:
        return this_year
    return _safe_date(today.year + 1, month, day)


def matching(request: WhenRequest, free: Iterable[datetime]) -> list[datetime]:
    """The free slot starts that fit what was asked, earliest first."""
    def fits(start: datetime) -> bool:
        local = start.astimezone(BEIJING)
        if request.day and local.date() != request.day:
            return False
        if request.clock:
            return local.time().replace(tzinfo=None) == request.clock
        if request.period == MORNING:
            return local.hour < 12
        if request.period == AFTERNOON:
            return local.hour >= 12
        return True

    return sorted(start for start in free if fits(start))
