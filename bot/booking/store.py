"""Bookings in a SQL database: SQLite under var/ by default, PostgreSQL when given its URL.

Capacity holds under concurrency without table locks: each slot has a counter row, and a booking
is made by one conditional ``UPDATE ... SET booked = booked + 1 WHERE booked < capacity`` in the
same transaction as the insert; a second writer sees the committed count and gets "slot full".
A retried request with the same Idempotency-Key finds the booking it made and returns it.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    event,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from bot.booking.schedule import BEIJING

REFERENCE_ALPHABET = "ACDEFGHJKLMNPQRTUVWXY3479"  # no 0/O, 1/I, 2/Z, 5/S, 8/B lookalikes

metadata = MetaData()
bookings = Table(
    "bookings", metadata,
    Column("id", Integer, primary_key=True),
    Column("reference", String(16), nullable=False, unique=True),
    Column("idempotency_key", String(128), nullable=False, unique=True),
    Column("request_fingerprint", String(64), nullable=False),
    Column("service_id", String(64), nullable=False),
    Column("slot_start", String(25), nullable=False, index=True),
    Column("language", String(8), nullable=False),
    Column("status", String(12), nullable=False),
    # personal data: deleted (set to NULL) 30 days after the slot, see purge_personal_data
    Column("applicant_name", String(60)),
    Column("phone", String(20)),
    Column("id_type", String(24)),
    Column("id_number", String(24)),
    Column("created_at", String(25), nullable=False),
    Column("cancelled_at", String(25)),
    Column("personal_data_deleted_at", String(25)),
)
slot_usage = Table(
    "slot_usage", metadata,
    Column("slot_start", String(25), primary_key=True),
    Column("booked", Integer, nullable=False),
)

BOOKED, CANCELLED = "booked", "cancelled"


class SlotFull(Exception):
    pass


class IdempotencyConflict(Exception):
    """The key was used before for a different request."""


class NotFound(Exception):
    pass


class TooLateToCancel(Exception):
    pass


def timestamp(moment: datetime) -> str:
    """Times are stored as ISO text in Beijing time: portable and sortable."""
    return moment.astimezone(BEIJING).isoformat(timespec="minutes")


@dataclass(frozen=True)
class NewBooking:
    service_id: str
    slot_start: datetime
    language: str
    applicant_name: str
    phone: str  # E.164
    id_type: str
    id_number: str


def fingerprint(request: NewBooking) -> str:
    """What makes two requests the same booking request, after normalisation."""
    fields = {**asdict(request), "slot_start": timestamp(request.slot_start)}
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()


def _new_reference() -> str:
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"JM-{chars[:4]}-{chars[4:]}"


class BookingStore:
    def __init__(self, url: str) -> None:
        self.engine = _engine(url)
        metadata.create_all(self.engine)

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        with self.engine.begin() as connection:
            yield connection

    def create(self, request: NewBooking, idempotency_key: str, request_fingerprint: str,
               capacity: int, now: datetime) -> tuple[dict[str, Any], bool]:
        """The booking and whether it was created now (False: an earlier request's booking)."""
        for _ in range(2):  # a concurrent request with the same key may win the insert once
            try:
                with self._transaction() as connection:
                    existing = self._by_key(connection, idempotency_key)
                    if existing:
                        if existing["request_fingerprint"] != request_fingerprint:
                            raise IdempotencyConflict
                        return existing, False
                    self._take_place(connection, timestamp(request.slot_start), capacity)
                    row = self._insert(connection, request, idempotency_key,
                                       request_fingerprint, now)
                    return row, True
            except IntegrityError:
                continue
        raise IdempotencyConflict

    def _by_key(self, connection: Connection, key: str) -> dict[str, Any] | None:
        row = connection.execute(select(bookings).where(bookings.c.idempotency_key == key))
        found = row.mappings().first()
        return dict(found) if found else None

    def _take_place(self, connection: Connection, slot: str, capacity: int) -> None:
        insert = (postgresql.insert if self.engine.dialect.name == "postgresql"
                  else sqlite.insert)(slot_usage)
        connection.execute(insert.values(slot_start=slot, booked=0).on_conflict_do_nothing())
        taken = connection.execute(
            update(slot_usage)
            .where(slot_usage.c.slot_start == slot, slot_usage.c.booked < capacity)
            .values(booked=slot_usage.c.booked + 1))
        if taken.rowcount != 1:
            raise SlotFull

    def _insert(self, connection: Connection, request: NewBooking, key: str, digest: str,
                now: datetime) -> dict[str, Any]:
        row = {
            "reference": _new_reference(), "idempotency_key": key, "request_fingerprint": digest,
            "service_id": request.service_id, "slot_start": timestamp(request.slot_start),
            "language": request.language, "status": BOOKED,
            "applicant_name": request.applicant_name, "phone": request.phone,
            "id_type": request.id_type, "id_number": request.id_number,
            "created_at": timestamp(now), "cancelled_at": None, "personal_data_deleted_at": None,
        }
        connection.execute(bookings.insert().values(**row))
        return row

    def find(self, reference: str, phone: str) -> dict[str, Any]:
        """The booking with this reference made with this phone; NotFound otherwise (the same
        answer for a wrong phone, so references cannot be probed)."""
        with self.engine.connect() as connection:
            found = connection.execute(select(bookings).where(
                bookings.c.reference == reference, bookings.c.phone == phone)).mappings().first()
        if not found:
            raise NotFound
        return dict(found)

    def cancel(self, reference: str, phone: str, now: datetime) -> dict[str, Any]:
        with self._transaction() as connection:
            found = connection.execute(select(bookings).where(
                bookings.c.reference == reference, bookings.c.phone == phone)).mappings().first()
            if not found:
                raise NotFound
            row = dict(found)
            if row["status"] == CANCELLED:
                return row
            if row["slot_start"] <= timestamp(now):
                raise TooLateToCancel
            connection.execute(update(bookings).where(bookings.c.id == row["id"])
                               .values(status=CANCELLED, cancelled_at=timestamp(now)))
            connection.execute(update(slot_usage)
                               .where(slot_usage.c.slot_start == row["slot_start"])
                               .values(booked=slot_usage.c.booked - 1))
            return {**row, "status": CANCELLED, "cancelled_at": timestamp(now)}

    def usage(self, slots: Iterable[datetime]) -> dict[str, int]:
        """Places taken per slot start (ISO text), for the given slots."""
        keys = [timestamp(slot) for slot in slots]
        if not keys:
            return {}
        with self.engine.connect() as connection:
            rows = connection.execute(select(slot_usage).where(slot_usage.c.slot_start.in_(keys)))
            return {row.slot_start: row.booked for row in rows}

    def purge_personal_data(self, now: datetime, keep_days: int = 30) -> int:
        """Deletes name, phone and ID of bookings whose slot was more than ``keep_days`` ago."""
        cutoff = timestamp(now - timedelta(days=keep_days))
        with self._transaction() as connection:
            result = connection.execute(
                update(bookings)
                .where(bookings.c.slot_start < cutoff, bookings.c.personal_data_deleted_at.is_(None))
                .values(applicant_name=None, phone=None, id_type=None, id_number=None,
                        personal_data_deleted_at=timestamp(now)))
            return result.rowcount


def _engine(url: str) -> Engine:
    if not url.startswith("sqlite"):
        return create_engine(url, future=True, pool_pre_ping=True)
    engine = create_engine(url, future=True, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _driver_transactions_off(dbapi_connection: Any, _: Any) -> None:
        # let SQLAlchemy's BEGIN below be the only transaction start (pysqlite would defer it)
        dbapi_connection.isolation_level = None
        dbapi_connection.execute("PRAGMA journal_mode=WAL")

    @event.listens_for(engine, "begin")
    def _begin_immediate(connection: Connection) -> None:
        # writers queue at BEGIN instead of failing with "database is locked" half-way through
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
