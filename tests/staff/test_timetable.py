"""The timetable as data: seeded from schedule.yml, changed by admins, read live by the booking
service, and never changed under a live booking."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from typing import Any

import pytest
import requests
from sqlalchemy.engine import Engine

from bot.booking import timetable
from bot.booking.schedule import BEIJING, default_schedule
from bot.booking.service import BookingApi
from bot.booking.store import BookingStore, Limits, NewBooking
from bot.catalog import default_catalog
from bot.staff import audit
from bot.staff.bookings import DeskBookings
from bot.staff.database import open_engine
from bot.staff.timetable_admin import NeedsResolving, change_settings, set_day, set_slot
from tests.booking.conftest import TOKEN, FakeClock, fresh_database, serve_in_thread
from tests.staff.conftest import NOW, Book

SLOT = datetime(2026, 12, 1, 14, 30, tzinfo=BEIJING)


def current(engine: Engine) -> timetable.Timetable:
    with engine.connect() as connection:
        return timetable.load(connection)


def test_seeded_from_the_file_it_offers_the_same_slots(engine: Engine) -> None:
    table, file = current(engine), default_schedule()
    for offset in range(60):
        day = date(2026, 9, 20) + timedelta(days=offset)  # includes 国庆 and weekends
        assert list(table.slots_on(day)) == list(file.slots_on(day))
    assert timetable.seed(engine) is False  # only once


def test_a_closed_slot_and_a_capacity_are_audited(engine: Engine) -> None:
    set_slot(engine, SLOT, True, None, "同事病假", "admin1", NOW)
    assert SLOT not in set(current(engine).slots_on(SLOT.date()))
    assert current(engine).is_closed(SLOT)
    set_slot(engine, SLOT, False, 1, "", "admin1", NOW)
    assert current(engine).capacity_at(SLOT) == 1
    actions = [(e["actor"], e["action"], e["subject"]) for e in audit.entries(engine)]
    assert actions == [("admin1", "slot_open", "2026-12-01T14:30+08:00"),
                       ("admin1", "slot_close", "2026-12-01T14:30+08:00")]


def test_a_bridging_holiday_and_a_make_up_day(engine: Engine) -> None:
    friday, saturday = date(2026, 12, 4), date(2026, 12, 5)
    set_day(engine, friday, False, "调休", "admin1", NOW)
    set_day(engine, saturday, True, "补班", "admin1", NOW)
    table = current(engine)
    assert not list(table.slots_on(friday)) and list(table.slots_on(saturday))
    set_day(engine, friday, None, "", "admin1", NOW)
    assert list(current(engine).slots_on(friday))


def test_changes_that_strand_a_booking_are_refused_until_resolved(engine: Engine, book: Book
                                                                  ) -> None:
    reference = book()
    version = current(engine).version
    for change in (lambda: set_slot(engine, SLOT, True, None, "", "admin1", NOW),
                   lambda: set_day(engine, SLOT.date(), False, "", "admin1", NOW),
                   lambda: change_settings(engine, "admin1", NOW, working_days=[1, 3, 4, 5])):
        with pytest.raises(NeedsResolving) as refused:
            change()
        assert [b["reference"] for b in refused.value.stranded] == [reference]
        assert "****4567" in refused.value.stranded[0]["phone"]
    assert current(engine).version == version and audit.entries(engine) == []
    book()  # two bookings in a slot of two: one place is too few
    with pytest.raises(NeedsResolving):
        set_slot(engine, SLOT, False, 1, "", "admin1", NOW)


def test_settings_are_checked_before_they_are_saved(engine: Engine) -> None:
    with pytest.raises((ValueError, TypeError)):
        change_settings(engine, "admin1", NOW, sessions=[{"name": "x", "start": "9am"}])
    with pytest.raises(ValueError):
        change_settings(engine, "admin1", NOW, colour="blue")


def _free_slots(url: str) -> list[dict[str, Any]]:
    answer = requests.get(f"{url}/v1/slots", params={
        "service": "property_registration", "from": "2026-12-01", "to": "2026-12-01"},
        headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    return answer.json()["slots"]


def test_the_booking_service_follows_the_desk_without_a_restart(database: str,
                                                                 engine: Engine) -> None:
    live = timetable.LiveTimetable(engine, refresh_seconds=0.1)
    api = BookingApi(BookingStore(database), live, default_catalog(), TOKEN, clock=FakeClock(NOW))
    for url in serve_in_thread(api):
        assert _free_slots(url)[0] == {"start": "2026-12-01T14:30+08:00",
                                       "end": "2026-12-01T15:00+08:00", "available": 2}
        set_slot(engine, SLOT, False, 5, "", "admin1", NOW)
        set_slot(engine, SLOT + timedelta(minutes=30), True, None, "", "admin1", NOW)
        deadline = time.monotonic() + 10
        while _free_slots(url)[0]["available"] != 5 and time.monotonic() < deadline:
            time.sleep(0.1)
        starts = [s["start"] for s in _free_slots(url)]
        assert _free_slots(url)[0]["available"] == 5
        assert "2026-12-01T15:00+08:00" not in starts


def test_the_desk_on_postgresql(postgres_url: str) -> None:
    """The same rules on the cluster's database: counters, moves, the guard on closing."""
    database = fresh_database(postgres_url)
    engine = open_engine(database)
    desk = DeskBookings(database)
    request = NewBooking("property_registration", SLOT, "zh-Hant", "陳大文", "+85291234567",
                         "hkid", "A1234563")
    row, _ = desk.create(request, "key-postgres-1", Limits(2, 3), NOW)
    with pytest.raises(NeedsResolving):
        set_slot(engine, SLOT, True, None, "", "admin1", NOW)
    desk.move(row["reference"], SLOT + timedelta(minutes=30), "staff_unavailable", "", "clerk1", NOW)
    assert desk.usage([SLOT, SLOT + timedelta(minutes=30)]) == {
        "2026-12-01T14:30+08:00": 0, "2026-12-01T15:00+08:00": 1}
    # read as one range: the counters between the slots asked for are not theirs
    assert desk.usage([SLOT - timedelta(minutes=30), SLOT + timedelta(minutes=60)]) == {}
    set_slot(engine, SLOT, True, None, "", "admin1", NOW)
    desk.cancel(row["reference"], "other", "", "clerk1", NOW)
    assert [b["status"] for b in desk.day(SLOT.date())] == ["cancelled"]
    assert [e["action"] for e in audit.entries(engine)] == ["cancel", "slot_close", "move"]
