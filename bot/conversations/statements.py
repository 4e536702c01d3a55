"""The SQL the conversation store runs on each turn, as SQLAlchemy Core statements built once per
store (``bot.conversations.window.HistoryWindow``).

Rasa's SQL tracker store goes through the ORM: every load builds ``Query`` objects, compiles
them (or generates their cache key, to find them compiled) and turns rows into objects, and every
save adds one ORM object per event and flushes them (on SQLite, one ``INSERT`` per event). That
was about a tenth of the Rasa server's CPU per message. A Core statement built once keeps its
cache key, so executing it again finds it compiled without walking it again; rows come back as
tuples, not objects; a save is one ``INSERT`` with many parameter sets (one ``executemany``).

They work on Rasa's ``events`` table (``SQLTrackerStore.SQLEvent``); those that read select
the latest session of a conversation as Rasa's ``_event_query`` does: the events whose timestamp
is at or after the latest ``session_started``, or all of them when there is none.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from rasa.shared.core.events import Event, SessionStarted, UserUttered
from rasa.shared.nlu.constants import INTENT_NAME_KEY


class EventStatements:
    """The statements over Rasa's ``events`` table for one store. Each takes ``sender_id``;
    those that read the latest session without looking its start up themselves take that start
    too, as ``started`` (``None`` when the conversation has no ``session_started``)."""

    def __init__(self, table: sa.Table, history_turns: int, state_types: tuple[str, ...]
                 ) -> None:
        event = table.c
        sender = event.sender_id == sa.bindparam("sender_id", type_=event.sender_id.type)
        started = sa.bindparam("started", type_=event.timestamp.type)
        session = sa.and_(sender, sa.or_(started.is_(None), event.timestamp >= started))
        # the session start as a one-row table on the outer side of a LEFT JOIN, so that it is
        # computed once: Rasa's implicit join let PostgreSQL compute it again for every event (a
        # turn cost 60 ms at turn 300)
        start = (sa.select(sa.func.max(event.timestamp).label("started"))
                 .where(sender, event.type_name == SessionStarted.type_name)
                 .subquery("session_start"))
        joined_session = sa.and_(sender, sa.or_(start.c.started.is_(None),
                                                event.timestamp >= start.c.started))

        # the session's start (``started``) and the ids of its last ``history_turns + 1`` user
        # messages (``id``), latest first: one round trip; one row, ``id`` None, if it has none
        self.last_user_messages = (
            sa.select(start.c.started, event.id)
            .select_from(start.outerjoin(table, sa.and_(
                joined_session, event.type_name == UserUttered.type_name)))
            .order_by(event.id.desc()).limit(history_turns + 1))
        # the data of the session's events in order; all of them, or from the id ``start`` on
        self.session_events = sa.select(event.data).where(session).order_by(event.id)
        self.session_events_from = self.session_events.where(
            event.id >= sa.bindparam("start", type_=event.id.type))

        latest = (sa.select(sa.func.max(event.id).label("id"))
                  .where(session, event.id < sa.bindparam("start", type_=event.id.type),
                         # bound one by one: a list would be expanded again at each execution
                         event.type_name.in_([sa.literal(name) for name in state_types]))
                  .group_by(event.type_name, event.action_name)
                  .subquery("latest"))
        # before the id ``start``, in the session: the latest event of each type in
        # ``state_types`` and name (a slot's, a form's), in order, in one round trip
        self.latest_state = (
            sa.select(event.type_name, event.action_name, event.id, event.data)
            .join_from(table, latest, event.id == latest.c.id).order_by(event.id))
        # how many events of the session are stored, as Rasa's save counts them
        self.stored_in_session = (
            sa.select(sa.func.count(event.id))
            .select_from(start.outerjoin(table, joined_session)))
        # one parameter set per event, as ``event_row`` gives
        self.insert = table.insert()
        # Rasa indexes the table by sender only, so the reads above went through every event of
        # the conversation, and the latest state read each one's row for its timestamp: a load
        # took 2.6 ms at turn 14 and 4.3 ms at turn 300 of the bench's long conversation (1.9 and
        # 3.0 ms with these). The window's events are a range of the first; the latest user
        # messages, the session start and the latest state are read from the second alone.
        self.indexes = (
            _index(table, "ix_events_sender_id_id", event.sender_id, event.id),
            _index(table, "ix_events_sender_id_type_action_id", event.sender_id, event.type_name,
                   event.action_name, event.id, event.timestamp))


def _index(table: sa.Table, name: str, *columns: sa.Column) -> sa.Index:
    """The index ``name`` of ``table``, declared once: an index belongs to its table (Rasa's,
    shared by every store of the process), and Rasa's ``create_all`` then makes it with a new
    table too."""
    return next((index for index in table.indexes if index.name == name), None) or sa.Index(
        name, *columns)


def event_row(sender_id: str, event: Event) -> dict[str, Any]:
    """The columns Rasa's ``SQLTrackerStore.save`` writes for ``event``, computed as it does."""
    data = event.as_dict()
    return {
        "sender_id": sender_id,
        "type_name": event.type_name,
        "timestamp": data.get("timestamp"),
        "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
        "action_name": data.get("name"),
        "data": json.dumps(data),
    }
