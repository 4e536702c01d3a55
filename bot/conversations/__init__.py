"""The conversation store: everything that reads or deletes stored conversations goes through here,
never through raw SQL elsewhere. The store itself (masking, retention period) is in ``store``."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from rasa.core.tracker_store import InMemoryTrackerStore, SQLTrackerStore, TrackerStore
from rasa.utils.endpoints import EndpointConfig

from bot.paths import REPO_ROOT

# the endpoints `make run` writes for its Rasa server (bot/stack)
RUN_ENDPOINTS = REPO_ROOT / "var" / "run" / "endpoints-5005.yml"


def default_endpoints() -> Path:
    """The endpoints `make run` wrote, else the repository's endpoints.yml."""
    return RUN_ENDPOINTS if RUN_ENDPOINTS.exists() else REPO_ROOT / "endpoints.yml"


def tracker_store_from(endpoints: Path) -> TrackerStore:
    """The tracker store an endpoints file declares, for the commands that read or delete
    conversations. Only its ``tracker_store`` section is read, with ``${VAR}`` values from the
    environment: such a command (from cron, say) needs no other server's settings."""
    document = yaml.safe_load(endpoints.read_text(encoding="utf-8")) or {}
    section = {key: os.path.expandvars(value) if isinstance(value, str) else value
               for key, value in (document.get("tracker_store") or {}).items()}
    if not section:
        raise SystemExit(f"error: {endpoints} declares no tracker_store")
    return TrackerStore.create(EndpointConfig.from_dict(section))


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
