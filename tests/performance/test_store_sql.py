"""The conversation store's SQL (bot/conversations/statements.py), on SQLite and PostgreSQL: a
save writes the rows Rasa's own save writes, in one INSERT; a load gives the window that reading
every stored event gives."""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import FailSafeTrackerStore, SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    AllSlotsReset,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    Event,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.conversations.store import ConversationStore, Redaction
from bot.conversations.window import ConversationsUnavailable
from tests.security.conftest import NAME, PHONE

TURNS = 3
DOMAIN = Domain.from_yaml("""
version: "3.1"
intents: [greet, ask, inform]
slots:
  service: {type: text, influence_conversation: false, mappings: [{type: custom}]}
  region: {type: text, influence_conversation: false, mappings: [{type: custom}]}
  applicant_name: {type: text, influence_conversation: false, mappings: [{type: custom}]}
  contact_phone: {type: text, influence_conversation: false, mappings: [{type: custom}]}
  requested_slot: {type: text, influence_conversation: false, mappings: [{type: custom}]}
forms:
  video_booking_form: {required_slots: [region]}
responses:
  utter_greet: [{text: hi}]
""")
COLUMNS = ("sender_id", "type_name", "timestamp", "intent_name", "action_name", "data")


class MaskedRasaStore(Redaction, SQLTrackerStore):
    """Rasa's own load and save, with the masking the conversation store applies."""


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[str], dict[str, Any]]:
    """The settings of a store on a database of its own, by name."""
    if request.param == "sqlite":
        return lambda name: {"dialect": "sqlite", "db": str(tmp_path / f"{name}.db")}
    url = sa.engine.make_url(request.getfixturevalue("postgres_url"))
    suffix = uuid.uuid4().hex[:10]
    return lambda name: {"dialect": "postgresql", "host": url.host, "port": url.port,
                         "username": url.username, "db": f"{name}_{suffix}",
                         "login_db": "postgres"}


@pytest.fixture
def stores() -> Iterator[list[SQLTrackerStore]]:
    """Stores a test opens, their connections closed after it."""
    opened: list[SQLTrackerStore] = []
    yield opened
    for store in opened:
        store.engine.dispose()


def conversation(personal: bool) -> list[list[Event]]:
    """A conversation turn by turn, with every kind of event the state depends on, a restart and
    a new session; its timestamps one second apart, the same in every store that plays it."""
    clock = itertools.count(1_700_000_000.25)

    def at(event: Event) -> Event:
        event.timestamp = next(clock)
        return event

    def user(text: str, intent: str | None = "ask") -> Event:
        parse = {"name": intent, "confidence": 0.9} if intent else None
        return UserUttered(text, parse, [{"entity": "region", "value": "澳門", "start": 0,
                                          "end": 2}] if intent == "inform" else None,
                           message_id=uuid.uuid4().hex, input_channel="socketio")

    def turn(text: str, *events: Event, intent: str | None = "ask") -> list[Event]:
        return [at(event) for event in (
            user(text, intent), *events,
            ActionExecuted("utter_greet", policy="RulePolicy", confidence=1.0),
            BotUttered(f"答：{text}", {"buttons": [{"title": "好", "payload": "/greet"}]},
                       {"utter_action": "utter_greet"}),
            ActionExecuted("action_listen"))]

    def new_session() -> list[Event]:
        return [at(event) for event in (
            ActionExecuted("action_session_start"), SessionStarted(),
            SlotSet("region", "macau"), ActionExecuted("action_listen"))]

    # the applicant's name and phone, or what the store has no reason to mask
    (name, name_slot), (phone, phone_slot) = (
        ((NAME, "applicant_name"), (PHONE, "contact_phone")) if personal
        else (("回鄉證", "service"), ("身份證", "service")))
    turns = [new_session() + turn("澳門", SlotSet("region", "macau"), intent="inform"),
             turn("預約", ActiveLoop("video_booking_form"), SlotSet("requested_slot", "region")),
             turn(name, SlotSet(name_slot, name)),
             turn(phone, SlotSet(phone_slot, phone), ConversationPaused()),
             *(turn(f"問題 {number}", SlotSet("service", f"s{number}")) for number in range(4)),
             turn("resume", ConversationResumed(), intent=None),
             turn("restart", Restarted(), SlotSet("service", "after restart")),
             *(turn(f"再問 {number}", ActiveLoop(None) if number == 2 else SlotSet("region", "hk"))
               for number in range(4)),
             turn("reset", AllSlotsReset(), ActiveLoop("video_booking_form")),
             *(turn(f"又問 {number}") for number in range(TURNS + 1)),
             new_session() + turn("new session", SlotSet("service", "again")),
             *(turn(f"最後 {number}", SlotSet("service", f"t{number}")) for number in range(TURNS))]
    return turns


async def play(store: SQLTrackerStore, sender: str, turns: list[list[Event]]) -> None:
    """Each turn as Rasa's processor runs it: load, add the turn's events, save."""
    for events in turns:
        tracker = await store.retrieve(sender) or DialogueStateTracker(sender, DOMAIN.slots)
        tracker.update_with_events(events, DOMAIN, override_timestamp=False)
        await store.save(tracker)


def stored_rows(store: SQLTrackerStore) -> list[dict[str, Any]]:
    table = store.SQLEvent.__table__
    with store.engine.connect() as connection:
        rows = connection.execute(sa.select(*(table.c[column] for column in COLUMNS))
                                  .order_by(table.c.id))
        return [dict(row._mapping) for row in rows]


@pytest.mark.parametrize("personal", [False, True], ids=["plain", "masked"])
async def test_a_save_writes_the_rows_rasas_save_writes(database, stores, personal: bool) -> None:
    ours = ConversationStore(domain=DOMAIN, history_turns=TURNS, **database("ours"))
    # with personal data, what Rasa's save writes once masked as the conversation store masks
    theirs = (MaskedRasaStore if personal else SQLTrackerStore)(domain=DOMAIN,
                                                                **database("rasa"))
    stores.extend([ours, theirs])
    turns = conversation(personal)
    await play(ours, "applicant", turns[:-1])
    await play(theirs, "applicant", turns[:-1])
    # a tracker the conversation store did not load: it counts what is stored, as Rasa does
    reader = SQLTrackerStore(domain=DOMAIN, **database("ours"))
    stores.append(reader)
    tracker = await reader.retrieve("applicant")
    tracker.update_with_events(turns[-1], DOMAIN, override_timestamp=False)
    await ours.save(tracker)
    await play(theirs, "applicant", turns[-1:])

    rows = stored_rows(ours)
    assert len(rows) == sum(map(len, turns))
    for ours_row, theirs_row in zip(rows, stored_rows(theirs), strict=True):
        for column in COLUMNS:
            assert ours_row[column] == theirs_row[column], column
    assert (rows[0]["intent_name"], rows[4]["intent_name"]) == (None, "inform")
    stored = json.dumps([json.loads(row["data"]) for row in rows], ensure_ascii=False)
    assert NAME not in stored and ("陳**" in stored) is personal


def expected_window(rows: list[dict[str, Any]], turns: int) -> list[dict[str, Any]]:
    """The window, from every stored event of a conversation: its latest session from the
    ``turns``-th last user message on, after the state before it (each slot's, each form's
    latest event, the latest pause or resume; a restart clears them, a reset the slots)."""
    starts = [row["timestamp"] for row in rows if row["type_name"] == "session_started"]
    session = [row for row in rows if not starts or row["timestamp"] >= max(starts)]
    users = [index for index, row in enumerate(session) if row["type_name"] == "user"]
    if len(users) <= turns:
        return [json.loads(row["data"]) for row in session]
    first = users[-turns]
    state: dict[Any, int] = {}
    for index, row in enumerate(session[:first]):
        kind = row["type_name"]
        if kind == "restart":
            state.clear()
        elif kind == "reset_slots":
            state = {key: at for key, at in state.items() if key[0] != "slot"}
        elif kind in ("slot", "active_loop"):
            state[kind, row["action_name"]] = index
        elif kind in ("pause", "resume"):
            state["pause"] = index
    stamp = json.loads(session[first]["data"])["timestamp"] - 1e-3
    return [SessionStarted(timestamp=stamp).as_dict(),
            *({**json.loads(session[index]["data"]), "timestamp": stamp}
              for index in sorted(state.values())),
            ActionExecuted("action_listen", timestamp=stamp).as_dict(),
            *(json.loads(row["data"]) for row in session[first:])]


async def test_each_turn_loads_the_window_the_stored_events_give(database, stores) -> None:
    ours = ConversationStore(domain=DOMAIN, history_turns=TURNS, **database("window"))
    stores.append(ours)
    for number, events in enumerate(conversation(personal=False)):
        await play(ours, "long", [events])
        loaded = await ours.retrieve("long")
        expected = DialogueStateTracker.from_dict("long", expected_window(stored_rows(ours), TURNS),
                                                  DOMAIN.slots)
        assert [e.as_dict() for e in loaded.events] == [e.as_dict() for e in expected.events], number
        assert loaded.current_slot_values() == expected.current_slot_values()
        assert loaded.active_loop_name == expected.active_loop_name


async def test_a_turn_is_two_or_three_reads_and_one_insert(database, stores) -> None:
    ours = ConversationStore(domain=DOMAIN, history_turns=TURNS, **database("calls"))
    stores.append(ours)
    statements: list[tuple[str, bool]] = []
    commits: list[bool] = []

    @sa.event.listens_for(ours.engine, "before_cursor_execute")
    def executed(connection: Any, cursor: Any, sql: str, parameters: Any, context: Any,
                 executemany: bool) -> None:
        statements.append((sql.split()[0], executemany))

    sa.event.listen(ours.engine, "commit", lambda connection: commits.append(True))
    turns = conversation(personal=False)
    await play(ours, "calls", turns[:1])
    assert statements == [("SELECT", False)] * 2 + [("SELECT", False), ("INSERT", True)]
    for played, reads in ((turns[1:2], 2), (turns[2:6], 3)):  # a short conversation, a long one
        await play(ours, "calls", played[:-1])
        statements.clear()
        commits.clear()
        await play(ours, "calls", played[-1:])
        assert statements == [("SELECT", False)] * reads + [("INSERT", True)]
        assert commits == [True]


async def test_a_save_the_database_refused_is_tried_again_and_written_once(
        database, stores, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.conversations import patience

    monkeypatch.setattr(patience, "POLL_SECONDS", 0.01)
    ours = ConversationStore(domain=DOMAIN, history_turns=TURNS, **database("retry"))
    stores.append(ours)
    turns = conversation(personal=False)
    await play(ours, "retry", turns[:5])
    refusals = iter([True, True])  # the INSERT fails twice, after the transaction began

    @sa.event.listens_for(ours.engine, "before_cursor_execute")
    def refuse(connection: Any, cursor: Any, sql: str, *_: Any) -> None:
        if sql.startswith("INSERT") and next(refusals, False):
            raise sa.exc.OperationalError(sql, {}, Exception("server closed the connection"))

    await play(ours, "retry", turns[5:6])
    assert next(refusals, "done") == "done"
    assert len(stored_rows(ours)) == sum(map(len, turns[:6]))


async def test_a_conversation_whose_database_stays_away_is_not_answered_as_a_new_one(
        database, stores, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rasa's fail-safe wrapper would give the processor no conversation, and the message would
    be answered out of context; the store's ``ConversationsUnavailable`` goes through it (the
    channel then apologises, tests/test_never_silent.py). Other failures keep Rasa's answer."""
    from bot import patches
    from bot.conversations import patience

    patches.apply_all()
    monkeypatch.setattr(patience, "POLL_SECONDS", 0.01)
    ours = ConversationStore(domain=DOMAIN, history_turns=TURNS, outage_wait=0.1,
                             **database("away"))
    stores.append(ours)
    await play(ours, "away", conversation(personal=False)[:2])
    refused = []

    @sa.event.listens_for(ours.engine, "before_cursor_execute")
    def refuse(connection: Any, cursor: Any, sql: str, *_: Any) -> None:
        refused.append(sql)
        raise sa.exc.OperationalError(sql, {}, Exception("could not connect to server"))

    with pytest.raises(ConversationsUnavailable):
        await FailSafeTrackerStore(ours).retrieve("away")
    assert len(refused) > 1  # waited out first, as for a restart
    sa.event.remove(ours.engine, "before_cursor_execute", refuse)

    def broken(*_: Any) -> None:
        raise ValueError("not an outage")

    monkeypatch.setattr(ours, "_load_window", broken)
    assert await FailSafeTrackerStore(ours).retrieve("away") is None
