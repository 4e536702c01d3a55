"""The conversation store: everything that reads or deletes stored conversations goes through here,
never through raw SQL elsewhere. The store itself (masking, retention period) is in ``store``."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from rasa.core.tracker_store import InMemoryTrackerStore, SQLTrackerStore, TrackerStore


def underlying_store(tracker_store: TrackerStore) -> TrackerStore:
    """The store itself, inside Rasa's wrappers (AwaitableTrackerStore, FailSafeTrackerStore)."""
    store = tracker_store
    while hasattr(store, "_tracker_store"):
        store = store._tracker_store
    return store


async def _delete_events(store: SQLTrackerStore, condition: Callable[[Any], Any]) -> int:
    """Deletes the events ``condition(SQLEvent)`` selects, off the event loop."""

    def delete() -> int:
        with store.session_scope() as session:
            deleted = (session.query(store.SQLEvent).filter(condition(store.SQLEvent))
                       .delete(synchronize_session=False))
            session.commit()
            return int(deleted)

    return await asyncio.to_thread(delete)


async def delete_conversation(tracker_store: TrackerStore, sender_id: str) -> int:
    """Deletes every stored event of one conversation (a WeChat unsubscribe, a retention purge);
    returns how many were deleted. Rasa 3.6 has no API for this."""
    store = underlying_store(tracker_store)
    if isinstance(store, SQLTrackerStore):
        return await _delete_events(store, lambda event: event.sender_id == sender_id)
    if isinstance(store, InMemoryTrackerStore):
        return 1 if store.store.pop(sender_id, None) is not None else 0
    raise TypeError(f"deleting conversations from {type(store).__name__} is not supported")


async def delete_older_than(tracker_store: TrackerStore, cutoff: float) -> int:
    """Deletes every stored event written before ``cutoff`` (a Unix time), in every conversation:
    the retention period. Returns how many were deleted."""
    store = underlying_store(tracker_store)
    if not isinstance(store, SQLTrackerStore):
        raise TypeError(f"a retention period on {type(store).__name__} is not supported")
    return await _delete_events(store, lambda event: event.timestamp < cutoff)
