"""Reading stored conversations: the insights report, and finding the conversation to tell about
a change to a booking. Events come back as Rasa stored them (already masked by the tracker store).

These functions block (Rasa's SQL store is synchronous underneath): call them from a thread, as
bot/insights and bot/staff do.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from rasa.core.tracker_store import InMemoryTrackerStore, SQLTrackerStore, TrackerStore
from sqlalchemy import func

from bot.conversations import underlying_store

BATCH = 1000


@dataclass(frozen=True)
class StoredEvent:
    sender_id: str
    event: dict[str, Any]  # Rasa's event dictionary, with "event" and "timestamp"


def events_between(tracker_store: TrackerStore, since: float, until: float
                   ) -> Iterator[StoredEvent]:
    """Every event stored in [since, until) (Unix times), conversation by conversation, each in
    the order it happened."""
    store = underlying_store(tracker_store)
    if isinstance(store, SQLTrackerStore):
        event = store.SQLEvent
        with store.session_scope() as session:
            query = (session.query(event.sender_id, event.data)
                     .filter(event.timestamp >= since, event.timestamp < until)
                     .order_by(event.sender_id, event.id))
            for sender_id, data in query.yield_per(BATCH):
                yield StoredEvent(sender_id, json.loads(data))
        return
    if isinstance(store, InMemoryTrackerStore):
        for sender_id in sorted(store.store):
            for item in json.loads(store.store[sender_id])["events"]:
                if since <= item.get("timestamp", 0) < until:
                    yield StoredEvent(sender_id, item)
        return
    raise TypeError(f"reading conversations from {type(store).__name__} is not supported")


def conversation_events(tracker_store: TrackerStore, sender_id: str) -> list[dict[str, Any]]:
    """Every stored event of one conversation, in order."""
    store = underlying_store(tracker_store)
    if isinstance(store, SQLTrackerStore):
        with store.session_scope() as session:
            rows = (session.query(store.SQLEvent.data)
                    .filter(store.SQLEvent.sender_id == sender_id)
                    .order_by(store.SQLEvent.id).all())
        return [json.loads(data) for (data,) in rows]
    if isinstance(store, InMemoryTrackerStore):
        serialised = store.store.get(sender_id)
        return json.loads(serialised)["events"] if serialised else []
    raise TypeError(f"reading conversations from {type(store).__name__} is not supported")


def conversations_with_slot(tracker_store: TrackerStore, slot: str, value: str) -> list[str]:
    """The conversations in which ``slot`` was set to ``value``, the most recent first
    (e.g. every conversation that made or looked up one booking reference)."""
    store = underlying_store(tracker_store)
    if isinstance(store, SQLTrackerStore):
        event = store.SQLEvent
        with store.session_scope() as session:
            rows = (session.query(event.sender_id, func.max(event.timestamp))
                    .filter(event.type_name == "slot", event.action_name == slot,
                            event.data.contains(json.dumps(value), autoescape=True))
                    .group_by(event.sender_id).all())
        candidates = sorted(rows, key=lambda row: row[1] or 0, reverse=True)
        return [sender for sender, _ in candidates
                if _slot_was(conversation_events(tracker_store, sender), slot, value)]
    if isinstance(store, InMemoryTrackerStore):
        found = []
        for sender_id in store.store:
            events = conversation_events(tracker_store, sender_id)
            times = [e.get("timestamp", 0) for e in events
                     if e.get("event") == "slot" and e.get("name") == slot and e.get("value") == value]
            if times:
                found.append((max(times), sender_id))
        return [sender for _, sender in sorted(found, reverse=True)]
    raise TypeError(f"reading conversations from {type(store).__name__} is not supported")


def _slot_was(events: list[dict[str, Any]], slot: str, value: str) -> bool:
    """The text match above is a pre-filter; this checks the value exactly."""
    return any(e.get("event") == "slot" and e.get("name") == slot and e.get("value") == value
               for e in events)
