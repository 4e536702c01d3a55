"""The centre's database on a temporary SQLite file, and bookings made the booking store's way."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bot.booking.schedule import BEIJING
from bot.booking.store import NewBooking, fingerprint
from bot.staff.bookings import DeskBookings
from bot.staff.database import open_engine

# A Tuesday morning, as in the booking service's tests.
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=BEIJING)
Book = Callable[..., str]


@pytest.fixture
def database(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'centre.db'}"
    open_engine(url)
    return url


@pytest.fixture
def engine(database: str) -> Engine:
    return open_engine(database)


@pytest.fixture
def desk(database: str) -> DeskBookings:
    return DeskBookings(database)


@pytest.fixture
def book(desk: DeskBookings) -> Book:
    """Books a slot (ISO text) as the booking service does; returns the reference."""

    def make(slot: str = "2026-12-01T14:30+08:00", language: str = "zh-Hant",
             phone: str = "+85291234567") -> str:
        request = NewBooking(service_id="property_registration",
                             slot_start=datetime.fromisoformat(slot), language=language,
                             applicant_name="陳大文", phone=phone, id_type="hkid",
                             id_number="A1234563")
        row, _ = desk.create(request, uuid.uuid4().hex, fingerprint(request), 2, NOW)
        return row["reference"]

    return make
