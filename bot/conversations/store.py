"""The conversation store: Rasa's SQL tracker store (SQLite or PostgreSQL) that masks the
applicant's personal data before anything is written, and knows how long conversations are kept.

endpoints.yml declares it by module path::

    tracker_store:
      type: bot.conversations.store.RedactingTrackerStore
      dialect: sqlite            # or postgresql, with url/port/db/username/password
      db: var/tracker-5005.db
      retention_days: 90

What is masked, and how, is in ``bot.conversations.redaction``; what is kept, where and for how
long is in docs/privacy.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.orm import Session

from bot.conversations.redaction import redact_events

DEFAULT_RETENTION_DAYS = 90


class RedactingTrackerStore(SQLTrackerStore):
    def __init__(self, domain: Domain | None = None,
                 retention_days: int | str = DEFAULT_RETENTION_DAYS, **kwargs: Any) -> None:
        if kwargs.get("event_broker") is not None:
            # Rasa publishes the events it is given, before this store masks them
            raise ValueError("an event broker would receive conversations unmasked; "
                             "remove event_broker from endpoints.yml")
        super().__init__(domain=domain, **kwargs)
        self.retention_days = int(retention_days)
        if self.retention_days < 1:
            raise ValueError("retention_days must be at least 1")

    def _additional_events(self, session: Session, tracker: DialogueStateTracker
                           ) -> Iterator:
        """The events ``save`` writes (those not stored yet), masked."""
        events = list(tracker.events)
        first_new = len(events) - len(list(super()._additional_events(session, tracker)))
        return iter(redact_events(events, first_new))
