"""The wait a resident is told: queue length and office hours, both from data."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest

from bot.booking.schedule import BEIJING, default_schedule
from bot.replies import Phrases
from bot.staff.chat import office_hours, registered
from bot.staff.office_hours import expected_call

TUESDAY = datetime(2026, 12, 1, 10, 0, tzinfo=BEIJING)


def at(day: int, hour: int, minute: int = 0, month: int = 12, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BEIJING)


@pytest.mark.parametrize(("now", "ahead", "clerks", "call_by", "opens_at"), [
    (TUESDAY, 2, 1, at(1, 10, 30), None),  # three calls of ten minutes
    (TUESDAY, 3, 2, at(1, 10, 20), None),  # two clerks take turns
    (at(1, 11, 55), 1, 1, at(1, 14, 45), None),  # lunch is not office time
    (at(5, 15, 0), 0, 1, at(7, 9, 10), at(7, 9, 0)),  # Saturday: Monday morning
    (at(31, 18, 0), 0, 1, at(4, 9, 10, month=1, year=2027), at(4, 9, 0, month=1, year=2027)),
])
def test_the_expected_call_counts_office_time_only(now: datetime, ahead: int, clerks: int,
                                                   call_by: datetime, opens_at: datetime | None
                                                   ) -> None:
    call = expected_call(default_schedule(), now, ahead, 10, clerks)
    assert call.call_by == call_by and call.opens_at == opens_at
    assert call.open_now == (opens_at is None)


def test_what_the_resident_is_told() -> None:
    soon = registered(7, "+852 ****4567", 2, default_schedule(), TUESDAY, "zh-Hant").text
    assert soon.splitlines()[:3] == ["已登記回電請求（編號 7），回電號碼：+852 ****4567。",
                                     "你前面還有2個回電請求。", "預計30分鐘內回電。"]
    assert "星期一至星期五 09:00–12:00、14:30–17:30" in soon
    weekend = registered(8, "+853 ****4567", 0, default_schedule(), at(5, 15), "en").text
    assert "The centre is closed now; it opens Mon 7 Dec 09:00." in weekend
    assert "Expect a call by Mon 7 Dec 09:10." in weekend and "before yours" not in weekend


def test_office_hours_follow_the_timetable() -> None:
    table = replace(default_schedule(), working_days=frozenset({1, 3, 5}))
    assert "星期一、星期三、星期五" in office_hours(table, Phrases("zh-Hans"))
    assert "no_hours" not in registered(1, "x", 0, None, TUESDAY, "zh-Hans").text
    assert "目前查不到中心的办公时间" in registered(1, "x", 0, None, TUESDAY, "zh-Hans").text
