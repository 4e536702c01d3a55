"""Typed times, in every way users write them, matched against free slots."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from bot.booking.schedule import BEIJING
from bot.booking.when import AFTERNOON, MORNING, WhenRequest, matching, parse_when

FRIDAY = date(2026, 11, 27)


@pytest.mark.parametrize(("text", "expected"), [
    ("明天下午", WhenRequest(date(2026, 11, 28), AFTERNOON)),
    ("聽日朝早十點半", WhenRequest(date(2026, 11, 28), MORNING, time(10, 30))),
    ("12月3日上午", WhenRequest(date(2026, 12, 3), MORNING)),
    ("星期五10点", WhenRequest(FRIDAY, MORNING, time(10))),
    ("下個禮拜一朝早", WhenRequest(date(2026, 11, 30), MORNING)),
    ("星期三下午3点", WhenRequest(date(2026, 12, 2), AFTERNOON, time(15))),
    ("next Monday morning", WhenRequest(date(2026, 11, 30), MORNING)),
    ("3 Dec 2:30pm", WhenRequest(date(2026, 12, 3), AFTERNOON, time(14, 30))),
    ("tomorrow at 10am", WhenRequest(date(2026, 11, 28), MORNING, time(10))),
    ("1月5日", WhenRequest(date(2027, 1, 5))),  # said in November: next year's
    ("2026-12-03T09:30+08:00", WhenRequest(date(2026, 12, 3), None, time(9, 30))),
    ("物業登記", WhenRequest()),
])
def test_parses_days_periods_and_times(text: str, expected: WhenRequest) -> None:
    assert parse_when(text, FRIDAY) == expected


def slot(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BEIJING)


FREE = [slot("2026-12-03T09:00"), slot("2026-12-03T09:30"), slot("2026-12-03T14:30"),
        slot("2026-12-04T10:00")]


def test_matching_narrows_by_day_period_and_clock() -> None:
    assert matching(WhenRequest(date(2026, 12, 3), MORNING), FREE) == FREE[:2]
    assert matching(WhenRequest(date(2026, 12, 3), AFTERNOON), FREE) == [FREE[2]]
    assert matching(WhenRequest(None, MORNING, time(10)), FREE) == [FREE[3]]
    assert matching(WhenRequest(date(2026, 12, 5)), FREE) == []
