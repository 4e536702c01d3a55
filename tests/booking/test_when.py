"""Typed times, in every way users write them, matched against free slots."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from bot.booking.schedule import BEIJING, default_schedule
from bot.booking.when import AFTERNOON, MORNING, WhenRequest, combined, matching, parse_when

FRIDAY = date(2026, 11, 27)
OPENING = default_schedule().opening


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
    # an hour with no part of the day is read in office hours
    ("三點", WhenRequest(None, AFTERNOON, time(15))),
    ("兩點半", WhenRequest(None, AFTERNOON, time(14, 30))),
    ("5点", WhenRequest(None, AFTERNOON, time(17))),
    ("十點", WhenRequest(None, MORNING, time(10))),
    ("at 9", WhenRequest(None, None, None)),  # a bare number is not a time
    ("9:30", WhenRequest(None, MORNING, time(9, 30))),
    ("3pm", WhenRequest(None, AFTERNOON, time(15))),
    ("朝早三點", WhenRequest(None, MORNING, time(3))),  # said so: kept, and no slot will fit
    ("Tuesday 1 Dec 3pm", WhenRequest(date(2026, 12, 1), AFTERNOON, time(15))),
    ("Tuesday 2 Dec 3pm", WhenRequest(None, AFTERNOON, time(15))),  # the 2nd is a Wednesday
    ("下星期二 12月1日", WhenRequest(date(2026, 12, 1))),
])
def test_parses_days_periods_and_times(text: str, expected: WhenRequest) -> None:
    assert parse_when(text, FRIDAY, OPENING) == expected


def test_a_later_answer_keeps_the_day_asked_before() -> None:
    thursday_morning = parse_when("禮拜四朝早", FRIDAY, OPENING)
    assert combined(parse_when("十點", FRIDAY, OPENING), thursday_morning) == WhenRequest(
        date(2026, 12, 3), MORNING, time(10))
    tuesday_afternoon = parse_when("Tuesday afternoon", FRIDAY, OPENING)
    assert combined(parse_when("3pm", FRIDAY, OPENING), tuesday_afternoon) == WhenRequest(
        date(2026, 12, 1), AFTERNOON, time(15))
    assert combined(parse_when("下晝", FRIDAY, OPENING), thursday_morning) == WhenRequest(
        date(2026, 12, 3), AFTERNOON)
    friday = parse_when("禮拜五", FRIDAY, OPENING)  # a new day replaces the old one
    assert combined(friday, thursday_morning) == friday


def test_what_is_remembered_between_turns() -> None:
    request = WhenRequest(date(2026, 12, 3), MORNING, time(10))
    assert WhenRequest.from_slot(request.as_slot()) == WhenRequest(date(2026, 12, 3), MORNING)
    assert WhenRequest.from_slot(None) == WhenRequest()


def slot(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BEIJING)


FREE = [slot("2026-12-03T09:00"), slot("2026-12-03T09:30"), slot("2026-12-03T14:30"),
        slot("2026-12-04T10:00")]


def test_matching_narrows_by_day_period_and_clock() -> None:
    assert matching(WhenRequest(date(2026, 12, 3), MORNING), FREE) == FREE[:2]
    assert matching(WhenRequest(date(2026, 12, 3), AFTERNOON), FREE) == [FREE[2]]
    assert matching(WhenRequest(None, MORNING, time(10)), FREE) == [FREE[3]]
    assert matching(WhenRequest(date(2026, 12, 5)), FREE) == []
