"""The service centre's tables, next to the bookings in the booking database (BOOKING_DATABASE_URL).

Declared once, here. Times are ISO text in Beijing time, as in bot/booking/tables.py. Personal data
is marked: it is deleted on a schedule (``python -m bot.staff purge``) and masked everywhere it is
shown, except where a clerk reveals a phone to call, which is audited.
"""

from __future__ import annotations

from sqlalchemy import Column, Integer, MetaData, String, Table, Text

metadata = MetaData()

staff_users = Table(
    "staff_users", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(40), nullable=False, unique=True),
    Column("role", String(8), nullable=False),  # clerk | admin
    Column("password_hash", String(200), nullable=False),
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", String(25)),
    # bumped on logout and password change: every cookie issued before stops working
    Column("session_epoch", Integer, nullable=False, default=0),
    Column("created_at", String(25), nullable=False),
)

audit_log = Table(
    "audit_log", metadata,
    Column("id", Integer, primary_key=True),
    Column("at", String(25), nullable=False, index=True),
    Column("actor", String(40), nullable=False),
    Column("action", String(40), nullable=False),
    Column("subject", String(40), nullable=False, index=True),  # a booking reference, a slot...
    Column("details", Text, nullable=False, default="{}"),  # JSON, never a clear phone or ID
)

# What the centre did to a booking: attended, no-show, cancelled, moved (with reason and who).
booking_events = Table(
    "booking_events", metadata,
    Column("id", Integer, primary_key=True),
    Column("reference", String(16), nullable=False, index=True),
    Column("kind", String(12), nullable=False),  # attended | no_show | cancelled | moved
    Column("reason", String(24)),  # a code of REASONS for cancelled and moved
    Column("note", String(200), nullable=False, default=""),  # for staff only
    Column("old_slot", String(25)),
    Column("new_slot", String(25)),
    Column("actor", String(40), nullable=False),
    Column("at", String(25), nullable=False),
)

callbacks = Table(
    "callbacks", metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", String(25), nullable=False, index=True),
    Column("language", String(8), nullable=False),
    Column("channel", String(24), nullable=False),
    Column("reason", String(12), nullable=False),  # handoff | rating
    Column("phone", String(20)),  # personal data, deleted after closing (purge)
    Column("phone_masked", String(24), nullable=False),
    Column("consent_at", String(25), nullable=False),
    Column("context", Text, nullable=False, default="[]"),  # JSON: the last turns, masked
    Column("rating", Integer),
    Column("comment", Text),  # masked
    Column("status", String(8), nullable=False, index=True),  # waiting | claimed | closed
    Column("claimed_by", String(40)),
    Column("claimed_at", String(25)),
    Column("closed_by", String(40)),
    Column("closed_at", String(25)),
    Column("outcome", String(16)),
    Column("note", String(200)),
)

# 好差评: no conversation id, no phone, no name; a comment is masked before it is stored.
ratings = Table(
    "ratings", metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", String(25), nullable=False, index=True),
    Column("rating", Integer, nullable=False),  # 5 非常满意 ... 1 非常不满意
    Column("context", String(12), nullable=False),  # booking | handoff | goodbye
    Column("service_id", String(64)),
    Column("channel", String(24), nullable=False),
    Column("language", String(8), nullable=False),
    Column("comment", Text),
    Column("callback_id", Integer),
)

# Telling residents about centre-side changes, through the channel they used (bot/staff/notify.py).
notices = Table(
    "notices", metadata,
    Column("id", Integer, primary_key=True),
    Column("reference", String(16), nullable=False, index=True),
    Column("kind", String(12), nullable=False),  # cancelled | moved | reminder
    Column("sender_id", String(128), index=True),  # the conversation to tell; deleted with it
    Column("channel", String(24)),
    Column("language", String(8), nullable=False),
    Column("fields", Text, nullable=False),  # JSON: what the wording needs (slot, reason...)
    Column("created_at", String(25), nullable=False),
    # sent | pending (until the next message) | shown | unreachable | no_push (reminder not sent)
    Column("status", String(12), nullable=False),
    Column("via", String(24)),  # wechat_message | wechat_template | next_contact
    Column("done_at", String(25)),
    Column("expires_at", String(25)),
)

ROLES = ("clerk", "admin")
OUTCOMES = ("attended", "no_show")
# why the centre cancels or moves a session; worded for residents in bot/messages.yml (staffdesk)
REASONS = ("staff_unavailable", "centre_closed", "resident_request", "system_problem", "other")
CALLBACK_OUTCOMES = ("reached", "no_answer", "wrong_number", "resolved")
RATINGS = (5, 4, 3, 2, 1)
