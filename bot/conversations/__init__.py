"""The conversation store: everything that reads or deletes stored conversations goes through here,
never through raw SQL elsewhere."""

from __future__ import annotations

from rasa.core.tracker_store import InMemoryTrackerStore, SQLTrackerStore, TrackerStore


def underlying_store(tracker_store: TrackerStore) -> TrackerStore:
    """The store itself, inside Rasa's wrappers (AwaitableTrackerStore, FailSafeTrackerStore)."""
    store = tracker_store
    while hasattr(store, "_tracker_store"):
        store = store._tracker_store
    return store


async def delete_conversation(tracker_store: TrackerStore, sender_id: str) -> int:
    """Deletes every stored event of one conversation (a WeChat unsubscribe, a retention purge);
    returns how many were deleted. Rasa 3.6 has no API for this."""
    store = underlying_store(tracker_store)
    if isinstance(store, SQLTrackerStore):
        with store.session_scope() as session:
            deleted = (session.query(store.SQLEvent)
                       .filter(store.SQLEvent.sender_id == sender_id)
                       .delete(synchronize_session=False))
            session.commit()
            return int(deleted)
    if isinstance(store, InMemoryTrackerStore):
        return 1 if store.store.pop(sender_id, None) is not None else 0
    raise TypeError(f"deleting conversations from {type(store).__name__} is not supported")
