"""Deleting one conversation leaves the others, on the SQL tracker store Rasa really uses."""

from __future__ import annotations

from pathlib import Path

from rasa.core.tracker_store import AwaitableTrackerStore, InMemoryTrackerStore, SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.conversations import delete_conversation


async def _save(store: AwaitableTrackerStore, sender: str) -> None:
    tracker = DialogueStateTracker(sender, slots=[])
    tracker.update(UserUttered("你好"))
    await store.save(tracker)


async def test_delete_one_conversation_from_sqlite(tmp_path: Path) -> None:
    store = AwaitableTrackerStore(SQLTrackerStore(Domain.empty(), dialect="sqlite",
                                                  db=str(tmp_path / "tracker.db")))
    await _save(store, "gone")
    await _save(store, "kept")
    assert await delete_conversation(store, "gone") == 1
    assert await store.retrieve("gone") is None
    assert await store.retrieve("kept") is not None
    assert await delete_conversation(store, "gone") == 0


async def test_delete_from_memory() -> None:
    store = InMemoryTrackerStore(Domain.empty())
    await _save(store, "gone")
    assert await delete_conversation(store, "gone") == 1
    assert await store.retrieve("gone") is None
