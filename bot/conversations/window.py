"""Bounded history: on each turn the Rasa server loads the last turns of a conversation and a
snapshot of its state, not the whole conversation.

Rasa's SQL tracker store loads every event since the session started and the policies featurise
all of them, on every turn; WeChat users keep one conversation id for months and a session lasts
while they keep writing, so the cost of a turn grows with the conversation (the profile is in
docs/deploy.md). ``HistoryWindow`` loads instead:

- the events from the ``history_turns``-th last user message onwards, as stored;
- before them, the state those events start from, as Rasa loads a session that carried slots
  over: ``session_started``, the latest value of every slot, the active form and a pause, if
  any, then ``action_listen``. A restart or a slot reset before the
  window clears what came before it, as it does in the full tracker.

Nothing is deleted: the window is only what is loaded. Every event is still saved (only the events
the turn added, counted from what was loaded), ``retrieve_full_tracker`` (the HTTP API, exports,
insights) still returns everything, and conversation ids, sessions and expiry are unchanged.

With it, ``SQLEngineTuning`` (what connections cost and survive) and ``WaitForDatabase`` (a
short database outage answered late rather than out of context). They are mixins:
``bot.conversations.store.ConversationStore`` composes them with the masking of personal data
over Rasa's ``SQLTrackerStore``.

``HistoryWindow`` overrides only ``_retrieve``, ``_additional_events``, ``save`` and
``stream_events``, and ``WaitForDatabase`` calls the ``_retrieve`` and ``save`` behind it again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import sqlalchemy as sa
import ujson
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    AllSlotsReset,
    ConversationPaused,
    ConversationResumed,
    Event,
    Restarted,
    SessionStarted,
    SlotSet,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.blocking import off_loop
from bot.conversations.indexes import create_indexes
from bot.conversations.patience import OUTAGE_WAIT, patiently
from bot.conversations.statements import EventStatements, event_row
from bot.turns import waiting_elsewhere_after

DEFAULT_HISTORY_TURNS = 5
_PAUSE = (ConversationPaused.type_name, ConversationResumed.type_name)
_LOOP_AND_PAUSE = (ActiveLoop.type_name, *_PAUSE)
_STATE_TYPES = (SlotSet.type_name, Restarted.type_name, AllSlotsReset.type_name, *_LOOP_AND_PAUSE)
# A load or save runs in a worker thread (the event loop goes on, e.g. understanding the message:
# bot.patches.understanding). One the database has not answered in this long is given up, as an
# outage longer than WaitForDatabase waits is (see there). Before, a database that hung stopped
# every conversation of the process. A database that refuses or drops connections is waited out.
DATABASE_DEADLINE = 10.0
# A load or save keeps the turn's place in its process's queue (bot.turns) this long, then gives it
# up until it is done. Given up at once (measured while a turn back from elsewhere still queued
# for a place), a turn waited twice more, and the slowest 1 % of answers at 50 senders went from
# 1.10 to 1.55 s; kept throughout, a database that hangs would make every turn of the process
# wait for each of them in turn.
DATABASE_HOLD = 0.5
# on a loaded tracker: how many of its events are already stored (the rest are this turn's)
_STORED = "_window_stored_events"
T = TypeVar("T")


async def _in_database(work: Callable[[Any], T], argument: Any) -> T:
    """``work(argument)`` in a worker thread, with the turn's place kept for ``DATABASE_HOLD``
    and the wait given up at ``DATABASE_DEADLINE``."""
    return await waiting_elsewhere_after(
        DATABASE_HOLD, off_loop(work, argument, deadline=DATABASE_DEADLINE))


class HistoryWindow:
    """Loads a conversation's last turns plus a snapshot of its state (see the module doc), and
    saves a turn's events in one ``INSERT``; both with the Core statements of
    ``bot.conversations.statements``, executed on a connection of the store's engine.

    Mix it in before an ``SQLTrackerStore`` (or a subclass of one)."""

    history_turns: int = DEFAULT_HISTORY_TURNS

    def __init__(self, *args: Any, history_turns: int = DEFAULT_HISTORY_TURNS,
                 **kwargs: Any) -> None:
        if int(history_turns) < 1:
            raise ValueError(f"history_turns must be at least 1, not {history_turns!r}")
        self.history_turns = int(history_turns)
        super().__init__(*args, **kwargs)
        store: SQLTrackerStore = self  # type: ignore[assignment]
        self._statements = EventStatements(store.SQLEvent.__table__, self.history_turns,
                                           _STATE_TYPES)
        create_indexes(store.engine, self._statements.indexes)
        # Rasa checks that the PostgreSQL schema of POSTGRESQL_SCHEMA exists whenever it opens an
        # ORM session; loads and saves here open none, so it is checked once, now
        with store.session_scope():
            pass

    async def _retrieve(self, sender_id: str,
                        fetch_events_from_all_sessions: bool) -> DialogueStateTracker | None:
        if fetch_events_from_all_sessions:
            return await super()._retrieve(sender_id, True)  # type: ignore[misc]
        return await _in_database(self._load_window, sender_id)

    def _load_window(self, sender_id: str) -> DialogueStateTracker | None:
        store: SQLTrackerStore = self  # type: ignore[assignment]
        with _without_transaction(store.engine) as connection:
            events = self._window_events(connection, sender_id)
        if not events or not store.domain:
            return None
        tracker = DialogueStateTracker.from_dict(sender_id, events, store.domain.slots)
        setattr(tracker, _STORED, len(tracker.events))
        return tracker

    def _window_events(self, connection: sa.engine.Connection,
                       sender_id: str) -> list[dict[str, Any]]:
        """The events of the latest session from the ``history_turns``-th last user message on,
        after the state they start from; all of them if it has no more user messages. (Decoded
        by ujson: the same values as the standard library's, in a third less time.)"""
        statements = self._statements
        rows = connection.execute(statements.last_user_messages,
                                  {"sender_id": sender_id}).all()
        last_user_messages = [row.id for row in rows if row.id is not None]
        params = {"sender_id": sender_id, "started": rows[0].started}
        if len(last_user_messages) <= self.history_turns:  # a short conversation: all of it
            return [ujson.loads(data) for (data,) in
                    connection.execute(statements.session_events, params)]
        params["start"] = last_user_messages[self.history_turns - 1]
        events = [ujson.loads(data) for (data,) in
                  connection.execute(statements.session_events_from, params)]
        state = self._state_events(connection, params)
        return [*_state_before(state, events[0].get("timestamp")), *events]

    def _state_events(self, connection: sa.engine.Connection,
                      params: dict[str, Any]) -> list[dict[str, Any]]:
        """The events of the session before the id ``params["start"]`` that the dialogue state
        after them depends on: the latest of each slot, of the active form and of a pause, after
        the latest restart or reset."""
        rows = connection.execute(self._statements.latest_state, params).all()
        latest = {(row.type_name, row.action_name): row.id for row in rows}
        restart = latest.get((Restarted.type_name, None), 0)
        reset = max(restart, latest.get((AllSlotsReset.type_name, None), 0))
        state = [ujson.loads(row.data) for row in rows
                 if (row.type_name == SlotSet.type_name and row.id > reset)
                 or (row.type_name in _LOOP_AND_PAUSE and row.id > restart)]
        # of a pause and a resume, only the later one counts
        pauses = [e for e in state if e["event"] in _PAUSE]
        return [e for e in state if e["event"] not in _PAUSE or e is pauses[-1]]

    def _additional_events(self, connection: sa.engine.Connection,
                           tracker: DialogueStateTracker) -> Iterator[Event]:
        """The tracker's events not stored yet: those after the ones it was loaded with, or,
        for a tracker this store did not load (e.g. a new one), after as many as Rasa counts
        (the events of the latest session stored)."""
        stored = getattr(tracker, _STORED, None)
        if stored is None:
            stored = connection.execute(self._statements.stored_in_session,
                                        {"sender_id": tracker.sender_id}).scalar_one()
        return iter(list(tracker.events)[stored:])

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Writes what ``_additional_events`` yields, with the columns Rasa's save writes, at
        once: one ``INSERT`` on PostgreSQL, one transaction on SQLite (Rasa adds and flushes one
        ORM object per event)."""
        store: SQLTrackerStore = self  # type: ignore[assignment]
        await store.stream_events(tracker)
        await _in_database(self._insert_turn, tracker)
        setattr(tracker, _STORED, len(tracker.events))

    def _insert_turn(self, tracker: DialogueStateTracker) -> None:
        store: SQLTrackerStore = self  # type: ignore[assignment]
        # On PostgreSQL the turn's events are one INSERT statement (psycopg2's execute_values),
        # atomic by itself; SQLite inserts them one statement each, so in a transaction
        engine = store.engine
        writing = (_without_transaction(engine) if engine.dialect.name == "postgresql"
                   else engine.begin())
        with writing as connection:
            rows = [event_row(tracker.sender_id, event)
                    for event in self._additional_events(connection, tracker)]
            if rows:  # an INSERT without parameter sets would add one row of defaults
                connection.execute(self._statements.insert, rows)

    async def stream_events(self, tracker: DialogueStateTracker) -> None:
        """Publishes this turn's events to the event broker, if one is configured (Rasa's own
        diff would compare against the windowed tracker)."""
        store: SQLTrackerStore = self  # type: ignore[assignment]
        stored = getattr(tracker, _STORED, None)
        if store.event_broker is None or stored is None:
            return await super().stream_events(tracker)  # type: ignore[misc]
        await store._stream_new_events(store.event_broker, list(tracker.events)[stored:],
                                       tracker.sender_id)


def _without_transaction(engine: sa.engine.Engine) -> sa.engine.Connection:
    """A connection whose statements each commit by themselves. A turn's reads and its save
    need no transaction around them: the conversation's lock (Rasa's lock store) keeps any
    other turn of it from writing in between. On PostgreSQL this saves the ``BEGIN`` and the
    ``COMMIT`` or ``ROLLBACK`` round trips of each load and save: under 50 senders, in one
    cluster, 4 % less CPU a message and 5 % more throughput (docs/deploy.md, eighth pass)."""
    return engine.connect().execution_options(isolation_level="AUTOCOMMIT")


def _state_before(state: list[dict[str, Any]], timestamp: float | None) -> list[dict[str, Any]]:
    """A session start carrying ``state`` over, as Rasa writes one, just before ``timestamp``."""
    stamp = (timestamp or 0.0) - 1e-3
    listening = ActionExecuted(ACTION_LISTEN_NAME, timestamp=stamp).as_dict()
    return [SessionStarted(timestamp=stamp).as_dict(),
            *({**event, "timestamp": stamp} for event in state), listening]


class SQLEngineTuning:
    """What the SQL store's connections cost and survive; mix it in before an ``SQLTrackerStore``.

    - PostgreSQL: a pooled connection the server closed (a restart, a failover) fails at its
      first use; SQLAlchemy then marks every connection opened before as invalid, and
      ``WaitForDatabase`` tries the load or save again on a new one half a second later. So a
      restart costs each process one late turn, not a lost one. Checking every connection before
      use (``pool_pre_ping``) would cost a round trip per load and per save, paid by every turn
      while the loop waits.
    - SQLite (`make run`): connections are kept open (SQLAlchemy 1.4 opens and closes one per
      load and per save, and SQLite syncs the file on every close), in write-ahead-log mode, so
      reading a conversation never waits for another being written (several Sanic workers), with
      ``synchronous=NORMAL``: one fsync per checkpoint instead of per turn. A crash of the process
      loses nothing; a power cut may lose the last turns, never the file.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        store: SQLTrackerStore = self  # type: ignore[assignment]
        url = store.engine.url
        if store.engine.dialect.name == "sqlite":
            engine = sa.create_engine(url, poolclass=sa.pool.QueuePool,
                                      connect_args={"check_same_thread": False})
            sa.event.listen(engine, "connect", _sqlite_write_ahead_log)
        else:
            engine = sa.create_engine(url, **create_engine_kwargs(url))
        store.engine.dispose()
        store.engine = engine
        store.sessionmaker.configure(bind=engine)


def _sqlite_write_ahead_log(connection: Any, _: Any) -> None:
    cursor = connection.cursor()
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=10000"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


class ConversationsUnavailable(RuntimeError):
    """The conversation could not be loaded: its database stayed away longer than the store
    waits, or did not answer before ``DATABASE_DEADLINE``."""


class WaitForDatabase:
    """Rides out a short database outage (a restart, a failover); mix it in first.

    Rasa wraps every tracker store in a ``FailSafeTrackerStore``: a load that fails gives an
    empty conversation and a save that fails goes to memory, so during an outage every turn is
    answered out of context and never stored. Here a load or save that cannot reach the database
    tries again every half second, without blocking the server, for up to ``outage_wait``
    seconds (a PostgreSQL restart takes a few): the turn is answered late, in context, and
    stored. A load that still fails raises ``ConversationsUnavailable``, which the fail-safe
    wrapper lets through (``bot.patches.store_outage``): the turn is not answered out of context,
    and the channel apologises with a retry button and a person to contact. A save that still
    fails goes to Rasa's memory store: its answer was already given, in context.
    """

    outage_wait: float = OUTAGE_WAIT

    def __init__(self, *args: Any, outage_wait: float = OUTAGE_WAIT, **kwargs: Any) -> None:
        self.outage_wait = float(outage_wait)
        super().__init__(*args, **kwargs)

    async def _retrieve(self, sender_id: str,
                        fetch_events_from_all_sessions: bool) -> DialogueStateTracker | None:
        inner = super()._retrieve  # type: ignore[misc]
        try:
            return await patiently(lambda: inner(sender_id, fetch_events_from_all_sessions),
                                   _unreachable, self.outage_wait)
        except (sa.exc.OperationalError, asyncio.TimeoutError) as error:
            raise ConversationsUnavailable("the conversation store's database is away") \
                from error

    async def save(self, tracker: DialogueStateTracker) -> None:
        inner = super().save  # type: ignore[misc]
        await patiently(lambda: inner(tracker), _unreachable, self.outage_wait)


def _unreachable(error: Exception) -> bool:
    return isinstance(error, sa.exc.OperationalError)
