"""The conversation store: Rasa's SQL tracker store (SQLite or PostgreSQL) that masks the
applicant's personal data before anything is written, knows how long conversations are kept,
loads only the last turns of a conversation (``bot.conversations.window``) and waits out a short
database outage.

endpoints.yml declares it by module path::

    tracker_store:
      type: bot.conversations.store.ConversationStore
      dialect: sqlite            # or postgresql, with url/port/db/username/password
      db: var/tracker-5005.db
      retention_days: 90
      history_turns: 5

What is masked, and how, is in ``bot.conversations.redaction``; what is kept, where and for how
long is in docs/privacy.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.engine import Connection

from bot.conversations.redaction import redact_events
from bot.conversations.window import HistoryWindow, SQLEngineTuning, WaitForDatabase

DEFAULT_RETENTION_DAYS = 90


class Redaction:
    """Masks the events a SQL tracker store writes; placed in front of ``HistoryWindow`` so that
    it masks exactly the events the window decides to write."""

    def __init__(self, *args: Any, retention_days: int | str = DEFAULT_RETENTION_DAYS,
                 **kwargs: Any) -> None:
        if kwargs.get("event_broker") is not None:
            # Rasa publishes the events it is given, before this store masks them
            raise ValueError("an event broker would receive conversations unmasked; "
                             "remove event_broker from endpoints.yml")
        super().__init__(*args, **kwargs)
        self.retention_days = int(retention_days)
        if self.retention_days < 1:
            raise ValueError("retention_days must be at least 1")

    def _additional_events(self, connection: Connection, tracker: DialogueStateTracker
                           ) -> Iterator:
        """The events ``save`` writes (those not stored yet), masked."""
        events = list(tracker.events)
        new = list(super()._additional_events(connection, tracker))  # type: ignore[misc]
        return iter(redact_events(events, len(events) - len(new)))


class ConversationStore(WaitForDatabase, Redaction, HistoryWindow, SQLEngineTuning,
                        SQLTrackerStore):
    """The tracker store endpoints.yml declares (see the module's docstring)."""
