"""Telling residents about centre-side changes, through the conversation they used for the booking.

The booking itself does not know its channel; the conversations do: the most recent conversation
in which the booking's reference was set (made, or looked up) is the one to tell, in the script
that conversation is written in. Per channel:
- WeChat: a 客服 message within the 48-hour window; outside it a subscription-message template if
  one is configured; otherwise the notice waits for the resident's next message;
- the widget and the REST channel cannot be written to first: a change waits for the resident's
  next message; a reminder is not sent ("no_push"), since only a message on time reminds;
- no conversation found (deleted, or booked elsewhere): "unreachable", and the desk asks the clerk
  to call.
Reminders the day before go out where the channel allows it (WeChat), once per booking.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from rasa.core.tracker_store import TrackerStore
from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.blocking import off_loop
from bot.booking.schedule import BEIJING
from bot.booking.tables import BOOKED, bookings, timestamp
from bot.conversations.reading import conversation_events, conversations_with_slot
from bot.language import reply_language
from bot.staff import notices
from bot.staff.settings import settings
from bot.state import ChannelState, channel_state, notice_flags

logger = logging.getLogger(__name__)
REFERENCE_SLOT = "booking_reference"  # set by the booking conversation when it books or looks up


@dataclass(frozen=True)
class Contact:
    sender_id: str
    channel: str
    last_message_at: datetime | None
    language: str


class Sender(Protocol):
    async def deliver(self, contact: Contact, kind: str, fields: dict[str, Any], text: str,
                      now: datetime) -> str | None:
        """How the notice went out ("wechat_message", ...), or None when it could not."""


def find_contact(tracker_store: TrackerStore, reference: str) -> Contact | None:
    """The latest conversation about this booking (blocking: run it in a thread)."""
    for sender_id in conversations_with_slot(tracker_store, REFERENCE_SLOT, reference):
        users = [e for e in conversation_events(tracker_store, sender_id) if e.get("event") == "user"]
        if users:
            last = users[-1]
            return Contact(sender_id, last.get("input_channel") or "unknown",
                           datetime.fromtimestamp(last["timestamp"], BEIJING),
                           reply_language(reversed(users)))
    return None


class Notifier:
    def __init__(self, engine: Engine, find: Callable[[str], Contact | None] | None,
                 senders: Mapping[str, Sender], clock: Callable[[], datetime],
                 state: ChannelState | None = None) -> None:
        self.engine, self.find, self.senders, self.clock = engine, find, senders, clock
        self.state = state or channel_state()

    async def booking_changed(self, kind: str, booking: dict[str, Any], reason: str,
                              new_slot: datetime | None = None) -> str:
        """Tells the resident that the centre cancelled or moved their session; the status."""
        fields = {"reference": booking["reference"], "service_id": booking["service_id"],
                  "reason": reason, "slot": timestamp(new_slot or booking["slot_start"]),
                  "old_slot": timestamp(booking["slot_start"])}
        return await self.notify(kind, fields, booking["language"])

    async def notify(self, kind: str, fields: dict[str, Any], booking_language: str) -> str:
        contact = None
        if self.find:
            try:
                contact = await off_loop(self.find, fields["reference"], deadline=15)
            except Exception:
                logger.exception("could not look up the conversation of %s", fields["reference"])
        language = contact.language if contact else booking_language
        status, via = "unreachable", None
        if contact:
            # a change waits for the next message; a reminder is only worth it on time
            status, via = ("no_push", None) if kind == "reminder" else ("pending", "next_contact")
            sender = self.senders.get(contact.channel)
            if sender:
                text = notices.notice_reply(kind, fields, language).text
                try:
                    pushed = await sender.deliver(contact, kind, fields, text, self.clock())
                except Exception:
                    logger.exception("%s notice for %s failed on %s", kind, fields["reference"],
                                     contact.channel)
                    pushed = None
                if pushed:
                    status, via = "sent", pushed
        await off_loop(notices.record, self.engine, kind, fields, language, status, via,
                       self.clock(), contact.sender_id if contact else None,
                       contact.channel if contact else None)
        if contact and status == "pending":
            await self._flag(contact.sender_id, kind, fields)
        logger.info("%s notice for %s: %s (%s)", kind, fields["reference"], status, via)
        return status

    async def _flag(self, conversation_id: str, kind: str, fields: dict[str, Any]) -> None:
        """After the notice is written: the Rasa server then asks for it at the next message
        (``bot.channels.notices``). Without the flag it still asks, minutes later."""
        seconds_left = (notices.expiry(kind, fields) - self.clock()).total_seconds()
        try:
            await notice_flags.raise_flag(self.state, conversation_id, max(seconds_left, 60.0))
        except Exception:
            logger.warning("could not flag the %s notice for %s; the chat shows it within "
                           "minutes instead of at the next message", kind, fields["reference"])

    async def send_due_reminders(self) -> int:
        """Reminders for tomorrow's sessions, from the configured hour, once per booking."""
        now = self.clock().astimezone(BEIJING)
        if now.hour < settings()["notices"]["reminder_hour"]:
            return 0
        due = await off_loop(self._tomorrow, now)
        done = await off_loop(notices.references_with, self.engine, "reminder",
                              [row["reference"] for row in due])
        sent = 0
        for row in due:
            if row["reference"] not in done:
                fields = {"reference": row["reference"], "service_id": row["service_id"],
                          "slot": row["slot_start"]}
                await self.notify("reminder", fields, row["language"])
                sent += 1
        return sent

    def _tomorrow(self, now: datetime) -> list[dict[str, Any]]:
        tomorrow = (now + timedelta(days=1)).date().isoformat()
        with self.engine.connect() as connection:
            rows = connection.execute(select(bookings).where(
                bookings.c.slot_start.like(f"{tomorrow}T%"), bookings.c.status == BOOKED))
            return [dict(row) for row in rows.mappings()]
