"""The centre's database: the booking database (BOOKING_DATABASE_URL) with the timetable and the
staff desk's tables."""

from __future__ import annotations

from datetime import datetime
from functools import cache

from sqlalchemy.engine import Engine

from bot.booking import timetable
from bot.booking.__main__ import database_url
from bot.booking.schedule import BEIJING
from bot.booking.store import BookingStore
from bot.staff.tables import metadata


def stamp(moment: datetime) -> str:
    """A moment as ISO text in Beijing time, to the second (sortable, like the booking store's)."""
    return moment.astimezone(BEIJING).isoformat(timespec="seconds")


def open_engine(url: str) -> Engine:
    """An engine on the booking database with every table created and the timetable seeded."""
    engine = BookingStore(url).engine  # the booking tables, and SQLite's locking settings
    metadata.create_all(engine)
    timetable.seed(engine)
    return engine


@cache
def centre_engine() -> Engine:
    """The engine of this process, on BOOKING_DATABASE_URL (var/booking.db by default)."""
    return open_engine(database_url())
