"""Bookings in a SQL database: SQLite under var/ by default, PostgreSQL when given its URL.

Every change is one transaction that holds on both databases under concurrency:
- a place is taken by one conditional ``UPDATE slot_usage SET booked = booked + 1 WHERE booked <
  capacity``, in the same transaction as the booking row;
- a cancel or a move first locks the booking row (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite
  serialises writers with ``BEGIN IMMEDIATE``) and reads its status again, so twenty concurrent
  cancels give the place back once;
- a move locks both slot rows in a fixed order, takes the new place, then frees the old one;
- the limit of active bookings per ID document or phone is counted under a per-person advisory
  lock on PostgreSQL, so two parallel requests cannot both be the third.
A retried request with the same Idempotency-Key finds the booking it made and returns it, in its
current status.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    and_,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from bot.booking.database import booking_engine
from bot.booking.reference import new_reference
from bot.booking.tables import BOOKED, CANCELLED, bookings, metadata, slot_usage, timestamp


class SlotFull(Exception):
    pass


class IdempotencyConflict(Exception):
    """The key was used before for a different request (or its request was purged)."""


class NotFound(Exception):
    pass


class AlreadyStarted(Exception):
    """The session has started: it can no longer be cancelled or moved."""


class BookingCancelled(Exception):
    """A cancelled booking cannot be moved."""


class TooManyBookings(Exception):
    """The ID document or phone already holds the most active future bookings allowed."""


@dataclass(frozen=True)
class NewBooking:
    service_id: str
    slot_start: datetime
    language: str  # the language of notices; not part of what makes two requests the same
    applicant_name: str
    phone: str  # E.164
    id_type: str
    id_number: str


@dataclass(frozen=True)
class Limits:
    """From the timetable (schedule.yml)."""

    capacity_per_slot: int
    max_active_per_person: int


def fingerprint(request: NewBooking) -> str:
    """What makes two requests the same booking request, after normalisation. The reply language
    is left out: a retry typed in another script is the same request."""
    fields = {"service_id": request.service_id, "slot_start": timestamp(request.slot_start),
              "applicant_name": request.applicant_name, "phone": request.phone,
              "id_type": request.id_type, "id_number": request.id_number}
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()


def _advisory_key(kind: str, value: str) -> int:
    """A 64-bit lock number for one person's phone or document (nothing is stored)."""
    digest = hashlib.sha256(f"{kind}:{value}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class BookingStore:
    def __init__(self, url: str) -> None:
        self.engine = booking_engine(url)
        metadata.create_all(self.engine)

    @property
    def _postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        with self.engine.begin() as connection:
            yield connection

    def create(self, request: NewBooking, idempotency_key: str, limits: Limits, now: datetime
               ) -> tuple[dict[str, Any], bool]:
        """The booking and whether it was created now (False: an earlier request's booking)."""
        digest = fingerprint(request)
        for _ in range(3):  # a concurrent request with the same key, or a reference collision
            try:
                with self._transaction() as connection:
                    self._lock_person(connection, request)
                    existing = self._by_key(connection, idempotency_key)
                    if existing:
                        if existing["request_fingerprint"] != digest:
                            raise IdempotencyConflict
                        return existing, False
                    if self._active_count(connection, request, now) >= limits.max_active_per_person:
                        raise TooManyBookings
                    row = self._insert(connection, request, idempotency_key, digest, now)
                    self._take_place(connection, row["slot_start"], limits.capacity_per_slot)
                    return row, True
            except IntegrityError:
                continue
        raise IdempotencyConflict

    def _lock_person(self, connection: Connection, request: NewBooking) -> None:
        """Serialises requests of one person on PostgreSQL (SQLite serialises every writer)."""
        if not self._postgres:
            return
        keys = sorted({_advisory_key("phone", request.phone),
                       _advisory_key("id", f"{request.id_type}:{request.id_number}")})
        for key in keys:
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})

    def _active_count(self, connection: Connection, request: NewBooking, now: datetime) -> int:
        same_person = or_(bookings.c.phone == request.phone,
                          and_(bookings.c.id_type == request.id_type,
                               bookings.c.id_number == request.id_number))
        return connection.execute(
            select(func.count()).select_from(bookings).where(
                bookings.c.status == BOOKED, bookings.c.slot_start > timestamp(now),
                same_person)).scalar_one()

    def _by_key(self, connection: Connection, key: str) -> dict[str, Any] | None:
        found = connection.execute(
            select(bookings).where(bookings.c.idempotency_key == key)).mappings().first()
        return dict(found) if found else None

    def _ensure_usage_rows(self, connection: Connection, slots: Iterable[str]) -> None:
        insert = (postgresql.insert if self._postgres else sqlite.insert)(slot_usage)
        for slot in slots:
            connection.execute(insert.values(slot_start=slot, booked=0).on_conflict_do_nothing())

    def _take_place(self, connection: Connection, slot: str, capacity: int) -> None:
        self._ensure_usage_rows(connection, [slot])
        taken = connection.execute(
            update(slot_usage)
            .where(slot_usage.c.slot_start == slot, slot_usage.c.booked < capacity)
            .values(booked=slot_usage.c.booked + 1))
        if taken.rowcount != 1:
            raise SlotFull

    def _give_place_back(self, connection: Connection, slot: str) -> None:
        connection.execute(update(slot_usage)
                           .where(slot_usage.c.slot_start == slot, slot_usage.c.booked > 0)
                           .values(booked=slot_usage.c.booked - 1))

    def _insert(self, connection: Connection, request: NewBooking, key: str, digest: str,
                now: datetime) -> dict[str, Any]:
        row = {
            "reference": new_reference(), "idempotency_key": key, "request_fingerprint": digest,
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
            return self._owned(connection, reference, phone, lock=False)

    def find_by_key(self, idempotency_key: str) -> dict[str, Any]:
        """The booking a request with this Idempotency-Key made, in its current status."""
        with self.engine.connect() as connection:
            found = self._by_key(connection, idempotency_key)
        if not found:
            raise NotFound
        return found

    def _owned(self, connection: Connection, reference: str, phone: str, lock: bool
               ) -> dict[str, Any]:
        query = select(bookings).where(bookings.c.reference == reference,
                                       bookings.c.phone == phone)
        found = connection.execute(query.with_for_update() if lock else query).mappings().first()
        if not found:
            raise NotFound
        return dict(found)

    def cancel(self, reference: str, phone: str, now: datetime) -> dict[str, Any]:
        """Cancels once: a cancelled booking is returned unchanged and gives nothing back."""
        with self._transaction() as connection:
            row = self._owned(connection, reference, phone, lock=True)
            if row["status"] == CANCELLED:
                return row
            if row["slot_start"] <= timestamp(now):
                raise AlreadyStarted
            changed = connection.execute(
                update(bookings).where(bookings.c.id == row["id"], bookings.c.status == BOOKED)
                .values(status=CANCELLED, cancelled_at=timestamp(now)))
            if changed.rowcount == 1:
                self._give_place_back(connection, row["slot_start"])
            return {**row, "status": CANCELLED, "cancelled_at": timestamp(now)}

    def move(self, reference: str, phone: str, new_slot: datetime, capacity: int, now: datetime
             ) -> dict[str, Any]:
        """Moves a booking to another slot in one transaction: the new place is taken before the
        old one is freed, and nothing changes if the new slot is full."""
        target = timestamp(new_slot)
        with self._transaction() as connection:
            row = self._owned(connection, reference, phone, lock=True)
            if row["status"] == CANCELLED:
                raise BookingCancelled
            if row["slot_start"] <= timestamp(now):
                raise AlreadyStarted
            if row["slot_start"] == target:
                return row
            both = sorted({row["slot_start"], target})
            self._ensure_usage_rows(connection, both)
            # lock both counters in one order, so two opposite moves cannot deadlock
            connection.execute(select(slot_usage.c.slot_start)
                               .where(slot_usage.c.slot_start.in_(both))
                               .order_by(slot_usage.c.slot_start).with_for_update()).all()
            self._take_place(connection, target, capacity)
            self._give_place_back(connection, row["slot_start"])
            connection.execute(update(bookings).where(bookings.c.id == row["id"])
                               .values(slot_start=target))
            return {**row, "slot_start": target}

    def usage(self, slots: Iterable[datetime]) -> dict[str, int]:
        """Places taken per slot start (ISO text), for the given slots."""
        return self.usage_by_key([timestamp(slot) for slot in slots])

    def usage_by_key(self, keys: Iterable[str]) -> dict[str, int]:
        """Places taken per slot start, for the slot starts given as their keys (ISO text)."""
        wanted = set(keys)
        if not wanted:
            return {}
        # one range, not a parameter per slot (the free-slot question asks for ~250): the keys
        # are one format in one time zone, so they sort as the times do
        with self.engine.connect() as connection:
            rows = connection.execute(select(slot_usage).where(
                slot_usage.c.slot_start.between(min(wanted), max(wanted))))
            return {row.slot_start: row.booked for row in rows if row.slot_start in wanted}

    def purge_personal_data(self, now: datetime, keep_days: int) -> int:
        """Deletes name, phone, ID and the request fingerprint (a hash of them) of bookings whose
        slot was more than ``keep_days`` ago. The booking's key can no longer be replayed."""
        cutoff = timestamp(now - timedelta(days=keep_days))
        with self._transaction() as connection:
            result = connection.execute(
                update(bookings)
                .where(bookings.c.slot_start < cutoff, bookings.c.personal_data_deleted_at.is_(None))
                .values(applicant_name=None, phone=None, id_type=None, id_number=None,
                        request_fingerprint="", personal_data_deleted_at=timestamp(now)))
            return result.rowcount
