"""The booking service's tables, declared once: the store writes them (bot/booking/store.py) and
the staff desk reads and corrects them (bot/staff/).

Times are stored as ISO text in Beijing time (``timestamp``): portable and sortable.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Integer, MetaData, String, Table

from bot.booking.schedule import BEIJING

metadata = MetaData()
bookings = Table(
    "bookings", metadata,
    Column("id", Integer, primary_key=True),
    Column("reference", String(16), nullable=False, unique=True),
    Column("idempotency_key", String(128), nullable=False, unique=True),
    # what makes a retry the same request; emptied with the personal data (purge_personal_data)
    Column("request_fingerprint", String(64), nullable=False),
    Column("service_id", String(64), nullable=False),
    Column("slot_start", String(25), nullable=False, index=True),
    Column("language", String(8), nullable=False),
    Column("status", String(12), nullable=False),
    # personal data: deleted (set to NULL) some days after the slot, see purge_personal_data
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


def timestamp(moment: datetime) -> str:
    """Times are stored as ISO text in Beijing time: portable and sortable."""
    return moment.astimezone(BEIJING).isoformat(timespec="minutes")
