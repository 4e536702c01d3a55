"""The history window (bot/conversations/window.py): the last turns plus a snapshot of the state,
on SQLite and PostgreSQL; nothing lost, nothing saved twice."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    AllSlotsReset,
    Event,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.conversations.store import ConversationStore

TURNS = 4
DOMAIN = Domain.from_yaml("""
version: "3.1"
intents: [greet, ask]
slots:
  service: {type: text, influence_conversation: false, mappings: [{type: custom}]}
  region: {type: text, influence_conversation: false, mappings: [{type: custom}]}
  requested_slot: {type: text, influence_conversation: false, mappings: [{type: custom}]}
forms:
  video_booking_form: {required_slots: [region]}
responses:
  utter_greet: [{text: hi}]
""")


@pytest.fixture(params=["sqlite", "postgresql"])
def store_kwargs(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, Any]:
    if request.param == "sqlite":
        return {"dialect": "sqlite", "db": str(tmp_path / "tracker.db")}
    url = sa.engine.make_url(request.getfixturevalue("postgres_url"))
    database = f"window_{abs(hash(tmp_path)) % 10**8}"
    return {"dialect": "postgresql", "host": url.host, "port": url.port,
            "username": url.username, "db": database, "login_db": "postgres"}


@pytest.fixture
def stores(store_kwargs: dict[str, Any]) -> Iterator[tuple[ConversationStore,
                                                           SQLTrackerStore]]:
    windowed = ConversationStore(domain=DOMAIN, history_turns=TURNS, **store_kwargs)
    plain = SQLTrackerStore(domain=DOMAIN, **store_kwargs)
    yield windowed, plain
    windowed.engine.dispose()
    plain.engine.dispose()


async def turn(store: ConversationStore, sender: str, *events: Event,
               text: str = "hello") -> DialogueStateTracker:
    """One turn as the Rasa server runs it: load, add the user message and what follows, save."""
    tracker = await store.get_or_create_tracker(sender, append_action_listen=False)
    if not tracker.events:
        tracker.update_with_events([ActionExecuted("action_session_start"), SessionStarted(),
                                    ActionExecuted("action_listen")], DOMAIN)
    tracker.update(UserUttered(text, {"name": "ask", "confidence": 1.0}), DOMAIN)
    tracker.update_with_events([*events, ActionExecuted("utter_greet"),
                                ActionExecuted("action_listen")], DOMAIN)
    await store.save(tracker)
    return tracker


def user_texts(tracker: DialogueStateTracker) -> list[str]:
    return [e.text for e in tracker.events if isinstance(e, UserUttered)]


async def test_a_short_conversation_is_loaded_whole(stores) -> None:
    windowed, plain = stores
    for number in range(TURNS):
        await turn(windowed, "short", SlotSet("service", f"s{number}"), text=f"m{number}")
    loaded = await windowed.retrieve("short")
    assert list(loaded.events) == list((await plain.retrieve("short")).events)


async def test_a_long_conversation_loads_the_last_turns_and_the_state(stores) -> None:
    windowed, plain = stores
    await turn(windowed, "long", SlotSet("region", "macau"), text="m0")
    await turn(windowed, "long", ActiveLoop("video_booking_form"),
               SlotSet("requested_slot", "region"), text="m1")
    for number in range(2, 30):
        await turn(windowed, "long", SlotSet("service", f"s{number}"), text=f"m{number}")
    loaded = await windowed.retrieve("long")
    full = await plain.retrieve("long")
    assert user_texts(loaded) == [f"m{n}" for n in range(26, 30)]
    assert loaded.current_slot_values() == full.current_slot_values()
    assert loaded.slots["region"].value == "macau"
    assert loaded.active_loop_name == full.active_loop_name == "video_booking_form"
    assert loaded.latest_message.text == "m29"
    assert len(loaded.events) < 40 < len(full.events)


async def test_every_event_is_saved_once_and_the_full_tracker_keeps_them_all(stores) -> None:
    windowed, plain = stores
    written = []
    for number in range(25):
        tracker = await turn(windowed, "all", SlotSet("service", f"s{number}"), text=f"m{number}")
        written.append(f"m{number}")
    await windowed.save(tracker)  # saving the same tracker again adds nothing
    full = await windowed.retrieve_full_tracker("all")
    assert user_texts(full) == written
    assert len(full.events) == len((await plain.retrieve_full_tracker("all")).events) == 3 + 25 * 4
    assert full.current_slot_values() == (await windowed.retrieve("all")).current_slot_values()


async def test_a_restart_or_a_reset_before_the_window_clears_what_came_before(stores) -> None:
    windowed, _ = stores
    await turn(windowed, "reset", SlotSet("service", "old"), SlotSet("region", "hk"))
    await turn(windowed, "reset", AllSlotsReset(), SlotSet("region", "macau"))
    for _ in range(TURNS + 1):
        await turn(windowed, "reset")
    loaded = await windowed.retrieve("reset")
    assert loaded.slots["service"].value is None
    assert loaded.slots["region"].value == "macau"

    await turn(windowed, "restart", ActiveLoop("video_booking_form"), SlotSet("service", "old"))
    await turn(windowed, "restart", Restarted())
    for _ in range(TURNS + 1):
        await turn(windowed, "restart")
    loaded = await windowed.retrieve("restart")
    assert loaded.slots["service"].value is None and loaded.active_loop_name is None


async def test_the_window_needs_at_least_one_turn(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="history_turns"):
        ConversationStore(domain=DOMAIN, dialect="sqlite", db=str(tmp_path / "t.db"),
                                history_turns=0)


async def test_connections_are_tuned_for_their_database(stores,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.conversations import patience

    windowed, _ = stores
    await turn(windowed, "tuned")
    if windowed.engine.dialect.name == "sqlite":
        assert isinstance(windowed.engine.pool, sa.pool.QueuePool)  # kept open between turns
        with windowed.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        return
    # the server closes every pooled connection (as a restart does): the next load and save
    # fail once on their connection, and are made again on a new one
    monkeypatch.setattr(patience, "POLL_SECONDS", 0.01)
    admin = sa.create_engine(windowed.engine.url, poolclass=sa.pool.NullPool)

    def close_the_stores_connections() -> None:
        with admin.connect() as connection:
            closed = connection.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()").all()
        assert closed

    close_the_stores_connections()
    assert user_texts(await windowed.retrieve("tuned")) == ["hello"]
    close_the_stores_connections()
    await turn(windowed, "tuned")
    assert user_texts(await windowed.retrieve("tuned")) == ["hello", "hello"]


def test_the_reads_have_their_indexes_made_once(store_kwargs: dict[str, Any]) -> None:
    stores = [ConversationStore(domain=DOMAIN, history_turns=TURNS, **store_kwargs)
              for _ in range(2)]  # the second finds the table and its indexes made
    wanted = {index.name for index in stores[0]._statements.indexes}
    found = {index["name"] for index in sa.inspect(stores[1].engine).get_indexes("events")}
    assert wanted <= found
    for store in stores:
        store.engine.dispose()


def _postgres_kwargs(store_kwargs: dict[str, Any]) -> dict[str, Any]:
    if store_kwargs["dialect"] != "postgresql":
        pytest.skip("PostgreSQL builds its indexes concurrently")
    return store_kwargs


def test_an_older_table_gets_the_indexes_built_without_blocking_writes(
        store_kwargs: dict[str, Any]) -> None:
    first = ConversationStore(domain=DOMAIN, history_turns=TURNS, **_postgres_kwargs(store_kwargs))
    names = [index.name for index in first._statements.indexes]
    with first.engine.begin() as connection:  # the table as an older version left it
        for name in names:
            connection.execute(sa.text(f"DROP INDEX {name}"))
    first.engine.dispose()
    statements: list[str] = []

    def record(_connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", record)
    try:
        second = ConversationStore(domain=DOMAIN, history_turns=TURNS, **store_kwargs)
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", record)
    built = [s for s in statements if s.startswith("CREATE INDEX")]
    assert len(built) == len(names) and all("CONCURRENTLY" in s for s in built), built
    assert _valid_indexes(second.engine) >= set(names)
    second.engine.dispose()


def test_an_index_left_invalid_by_a_build_cut_short_is_built_again(
        store_kwargs: dict[str, Any]) -> None:
    first = ConversationStore(domain=DOMAIN, history_turns=TURNS, **_postgres_kwargs(store_kwargs))
    name = first._statements.indexes[0].name
    with first.engine.begin() as connection:  # what a stopped CREATE INDEX CONCURRENTLY leaves
        connection.execute(sa.text("UPDATE pg_index SET indisvalid = false "
                                   f"WHERE indexrelid = '{name}'::regclass"))
    assert name not in _valid_indexes(first.engine)
    first.engine.dispose()
    second = ConversationStore(domain=DOMAIN, history_turns=TURNS, **store_kwargs)
    assert name in _valid_indexes(second.engine)
    second.engine.dispose()


async def test_on_postgresql_a_turn_loads_and_saves_without_transaction_round_trips(
        stores: tuple[ConversationStore, SQLTrackerStore]) -> None:
    windowed, _ = stores
    if windowed.engine.dialect.name != "postgresql":
        pytest.skip("SQLite inserts a turn's events one statement each: in a transaction")
    await turn(windowed, "quick")  # the conversation exists; the next turn loads and saves it
    autocommit: list[bool] = []

    def record(connection: Any, *_: Any) -> None:
        autocommit.append(connection.connection.dbapi_connection.autocommit)

    sa.event.listen(windowed.engine, "before_cursor_execute", record)
    try:
        await turn(windowed, "quick")
    finally:
        sa.event.remove(windowed.engine, "before_cursor_execute", record)
    # each statement commits by itself: psycopg2 sends no BEGIN, COMMIT or ROLLBACK
    assert len(autocommit) >= 2 and all(autocommit)
    assert user_texts(await windowed.retrieve("quick")) == ["hello", "hello"]


def _valid_indexes(engine: sa.engine.Engine) -> set[str]:
    with engine.connect() as connection:
        return set(connection.execute(sa.text(
            "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indisvalid")).scalars())


async def test_a_short_database_outage_is_waited_out(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.conversations import patience, window

    store = ConversationStore(domain=DOMAIN, dialect="sqlite", db=str(tmp_path / "t.db"),
                                    outage_wait=5)
    await turn(store, "patient")
    failures = iter([True, True])  # the database refuses twice, then answers
    original = window.HistoryWindow._retrieve

    async def flaky(self: window.HistoryWindow, sender_id: str, fetch_all: bool) -> object:
        if next(failures, False):
            raise sa.exc.OperationalError("SELECT", {}, Exception("connection refused"))
        return await original(self, sender_id, fetch_all)

    monkeypatch.setattr(window.HistoryWindow, "_retrieve", flaky)
    monkeypatch.setattr(patience, "POLL_SECONDS", 0.01)
    assert user_texts(await store.retrieve("patient")) == ["hello"]
    store.outage_wait = 0
    failures = iter([True])
    with pytest.raises(window.ConversationsUnavailable) as away:
        await store.retrieve("patient")
    assert isinstance(away.value.__cause__, sa.exc.OperationalError)


async def test_loads_and_saves_wait_for_the_database_off_the_event_loop(
        stores, monkeypatch: pytest.MonkeyPatch) -> None:
    """While a load or a save waits for the database, the process goes on with other work (the
    message's understanding, other conversations); one that takes too long fails the turn."""
    import asyncio
    import time

    from bot.conversations import window

    store, _ = stores
    await turn(store, "slow")
    slow_query = 0.3

    def slowly(original: Any) -> Any:
        def run(self: Any, *args: Any) -> Any:
            time.sleep(slow_query)  # a database that takes its time, in the thread that waits
            return original(self, *args)
        return run

    monkeypatch.setattr(window.HistoryWindow, "_window_events",
                        slowly(window.HistoryWindow._window_events))
    monkeypatch.setattr(window.HistoryWindow, "_additional_events",
                        slowly(window.HistoryWindow._additional_events))
    ticks: list[float] = []

    async def other_work() -> None:
        while True:
            ticks.append(time.monotonic())
            await asyncio.sleep(0.01)

    ticking = asyncio.create_task(other_work())
    try:
        tracker = await turn(store, "slow", text="again")
    finally:
        ticking.cancel()
    assert user_texts(tracker) == ["hello", "again"]
    assert len(ticks) >= 2 * slow_query / 0.01 / 2  # the loop kept running through both waits

    monkeypatch.setattr(window, "DATABASE_DEADLINE", slow_query / 3)
    with pytest.raises(window.ConversationsUnavailable) as late:
        await store.retrieve("slow")
    assert isinstance(late.value.__cause__, asyncio.TimeoutError)
