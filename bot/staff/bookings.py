"""What the service centre does to bookings: the day's list, outcomes, cancelling, moving, and
revealing a phone for a call. Every change is one transaction with its booking event and audit
entry; the slot counters stay right the same way the booking store keeps them (one conditional
update), so a move can never overfill a slot.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from bot.booking import timetable
from bot.booking.identity import parse_phone
from bot.booking.schedule import BEIJING
from bot.booking.store import BookingStore, NotFound, SlotFull
from bot.booking.tables import BOOKED, CANCELLED, bookings, slot_usage, timestamp
from bot.privacy import mask
from bot.staff import audit
from bot.staff.database import stamp
from bot.staff.tables import OUTCOMES, REASONS, booking_events, metadata


class DeskConflict(Exception):
    """The change cannot be made in the booking's present state; ``code`` says why."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def masked_view(row: dict[str, Any]) -> dict[str, Any]:
    """A booking as the desk lists it: phone and ID masked, personal data possibly deleted."""
    deleted = row["personal_data_deleted_at"] is not None
    return {
        "reference": row["reference"], "service_id": row["service_id"],
        "slot_start": datetime.fromisoformat(row["slot_start"]), "language": row["language"],
        "status": row["status"],
        "phone": None if deleted or not row["phone"] else parse_phone(row["phone"]).masked,
        "id_type": None if deleted else row["id_type"],
        "id_number": None if deleted or not row["id_number"] else mask(row["id_number"]),
    }


class DeskBookings(BookingStore):
    def __init__(self, url: str) -> None:
        super().__init__(url)
        metadata.create_all(self.engine)

    def timetable(self) -> timetable.Timetable:
        with self.engine.connect() as connection:
            return timetable.load(connection)

    # --- reading ---------------------------------------------------------------------------

    def day(self, day: date) -> list[dict[str, Any]]:
        """The bookings whose slot is on ``day``, in time order, each with its latest outcome."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(bookings).where(bookings.c.slot_start.like(f"{day.isoformat()}T%"))
                .order_by(bookings.c.slot_start, bookings.c.reference)).mappings().all()
            outcomes = self._outcomes(connection, [row["reference"] for row in rows])
        return [{**masked_view(dict(row)), "outcome": outcomes.get(row["reference"])}
                for row in rows]

    def _outcomes(self, connection: Connection, references: list[str]) -> dict[str, str]:
        if not references:
            return {}
        events = connection.execute(
            select(booking_events.c.reference, booking_events.c.kind)
            .where(booking_events.c.reference.in_(references),
                   booking_events.c.kind.in_(OUTCOMES))
            .order_by(booking_events.c.id)).all()
        return {reference: kind for reference, kind in events}  # the latest wins

    def get(self, reference: str) -> dict[str, Any]:
        with self.engine.connect() as connection:
            row = self._row(connection, reference)
            outcome = self._outcomes(connection, [reference]).get(reference)
        return {**masked_view(row), "outcome": outcome}

    def _row(self, connection: Connection, reference: str) -> dict[str, Any]:
        found = connection.execute(select(bookings).where(
            bookings.c.reference == reference)).mappings().first()
        if not found:
            raise NotFound(reference)
        return dict(found)

    def history(self, reference: str) -> list[dict[str, Any]]:
        with self.engine.connect() as connection:
            rows = connection.execute(select(booking_events).where(
                booking_events.c.reference == reference).order_by(booking_events.c.id)).mappings()
            return [dict(row) for row in rows]

    def booked_in(self, slot: datetime) -> list[dict[str, Any]]:
        """The live bookings of one slot (what must be resolved before it closes)."""
        with self.engine.connect() as connection:
            rows = connection.execute(select(bookings).where(
                bookings.c.slot_start == timestamp(slot), bookings.c.status == BOOKED)).mappings()
            return [masked_view(dict(row)) for row in rows]

    def reveal_phone(self, reference: str, actor: str, now: datetime) -> str:
        """The full phone, for a call; the reveal is audited."""
        with self._transaction() as connection:
            row = self._row(connection, reference)
            if not row["phone"]:
                raise DeskConflict("personal_data_deleted")
            audit.record(connection, actor, "reveal_phone", reference, now)
            return parse_phone(row["phone"]).e164

    # --- changes ---------------------------------------------------------------------------

    def mark(self, reference: str, outcome: str, actor: str, now: datetime) -> None:
        """Attended or no-show: for a live booking, from the day of its session."""
        if outcome not in OUTCOMES:
            raise DeskConflict("invalid_outcome")
        with self._transaction() as connection:
            row = self._row(connection, reference)
            if row["status"] != BOOKED:
                raise DeskConflict("cancelled")
            if date.fromisoformat(row["slot_start"][:10]) > now.astimezone(BEIJING).date():
                raise DeskConflict("not_yet")
            self._event(connection, reference, outcome, actor, now)
            audit.record(connection, actor, outcome, reference, now)

    def cancel(self, reference: str, reason: str, note: str, actor: str, now: datetime
               ) -> dict[str, Any]:
        """The centre cancels a session; its place is freed. Returns the booking as it was."""
        if reason not in REASONS:
            raise DeskConflict("invalid_reason")
        with self._transaction() as connection:
            row = self._row(connection, reference)
            if row["status"] == CANCELLED:
                raise DeskConflict("cancelled")
            if self._outcomes(connection, [reference]).get(reference) == "attended":
                raise DeskConflict("attended")
            connection.execute(update(bookings).where(bookings.c.id == row["id"])
                               .values(status=CANCELLED, cancelled_at=timestamp(now)))
            self._release(connection, row["slot_start"])
            self._event(connection, reference, "cancelled", actor, now, reason=reason, note=note,
                        old_slot=row["slot_start"])
            audit.record(connection, actor, "cancel", reference, now, reason=reason,
                         slot=row["slot_start"])
            return masked_view(row)

    def move(self, reference: str, new_slot: datetime, reason: str, note: str, actor: str,
             now: datetime) -> dict[str, Any]:
        """Moves a live booking to another offered slot with a free place. Returns it as it was."""
        if reason not in REASONS:
            raise DeskConflict("invalid_reason")
        new_key = timestamp(new_slot)
        with self._transaction() as connection:
            row = self._row(connection, reference)
            if row["status"] == CANCELLED:
                raise DeskConflict("cancelled")
            if new_key == row["slot_start"]:
                raise DeskConflict("same_slot")
            current = timetable.load(connection)
            if new_slot <= now or new_slot not in set(current.slots_on(new_slot.date())):
                raise DeskConflict("slot_not_offered")
            try:
                self._take_place(connection, new_key, current.capacity_at(new_slot))
            except SlotFull as full:
                raise DeskConflict("slot_full") from full
            self._release(connection, row["slot_start"])
            connection.execute(update(bookings).where(bookings.c.id == row["id"])
                               .values(slot_start=new_key))
            self._event(connection, reference, "moved", actor, now, reason=reason, note=note,
                        old_slot=row["slot_start"], new_slot=new_key)
            audit.record(connection, actor, "move", reference, now, reason=reason,
                         old_slot=row["slot_start"], new_slot=new_key)
            return masked_view(row)

    @staticmethod
    def _release(connection: Connection, slot: str) -> None:
        connection.execute(update(slot_usage).where(slot_usage.c.slot_start == slot)
                           .values(booked=slot_usage.c.booked - 1))

    @staticmethod
    def _event(connection: Connection, reference: str, kind: str, actor: str, now: datetime,
               **fields: Any) -> None:
        connection.execute(booking_events.insert().values(
            reference=reference, kind=kind, actor=actor, at=stamp(now),
            **{"note": "", **fields}))
