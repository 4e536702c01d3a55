"""Helpers for booking conversations on the real stack: a chat that remembers its sender, days
named the way users name them, and identities that pass every check (a fresh one per booking, as
one person may hold only 3 upcoming bookings)."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from bot.booking.identity import InvalidValue, parse_phone
from bot.booking.schedule import beijing_now, default_schedule
from bot.stack import Stack
from tests.chat import say

WEEKDAYS_ZH = "一二三四五六日"
WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_people = itertools.count(1)


@dataclass
class Chat:
    stack: Stack
    sender: str = field(default_factory=lambda: uuid.uuid4().hex)
    last: list[dict[str, Any]] = field(default_factory=list)

    def __call__(self, text: str) -> str:
        self.last = say(self.stack, text, self.sender)
        return "\n".join(m.get("text") or "" for m in self.last)

    def payloads(self) -> list[str]:
        return [b["payload"] for m in self.last for b in m.get("buttons") or []]

    def times_offered(self) -> list[str]:
        """The ISO slot starts offered as buttons."""
        return [p for p in self.payloads() if p[:1].isdigit()]


def coming_open_days(count: int) -> list[date]:
    """Up to ``count`` working days after today, within a week, so "禮拜四" names exactly one.

    Six days hold four working days when today is a weekday and five at a weekend, fewer in a
    holiday week: tests take days from the end of the list, so a larger ``count`` only spreads
    them away from other tests' days when the week has room."""
    schedule, today = default_schedule(), beijing_now().date()
    days = [today + timedelta(days=n) for n in range(1, 7)]
    return [day for day in days if schedule.is_open_on(day)][:count]


def weekday_zh(day: date) -> str:
    return f"禮拜{WEEKDAYS_ZH[day.weekday()]}"


def weekday_en(day: date) -> str:
    return WEEKDAYS_EN[day.weekday()]


def hkid(number: int) -> str:
    """A Hong Kong identity card number with a correct check digit: B and 6 digits."""
    digits = f"{number:06d}"
    values = [36, ord("B") - ord("A") + 10, *map(int, digits)]
    check = (11 - sum(v * w for v, w in zip(values, range(9, 1, -1), strict=True)) % 11) % 11
    return f"B{digits}({'A' if check == 10 else check})"


@dataclass(frozen=True)
class Person:
    name: str
    phone: str
    id_number: str


def new_person() -> Person:
    while True:
        n = next(_people) + uuid.uuid4().int % 90000
        phone = f"+852 6{n % 1000:03d} {n % 10000:04d}"
        try:
            parse_phone(phone)
        except InvalidValue:
            continue
        return Person("陳大文", phone, hkid(n))
