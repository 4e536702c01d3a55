"""The conversation store masks the applicant's name, phone and ID number before anything is
written, on SQLite and on PostgreSQL, and deletes what is past the retention period."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.engine import make_url

from bot.conversations.__main__ import main as conversations_command
from bot.conversations.retention import DAY, purge
from bot.conversations.store import ConversationStore
from tests.security.conftest import HKID, NAME, PHONE, found, stored_text

DOMAIN = Domain.from_dict({"slots": {
    name: {"type": "text", "influence_conversation": False, "mappings": [{"type": "custom"}]}
    for name in ("requested_slot", "applicant_name", "contact_phone", "id_number",
                 "pending_question")}})


def _user(text: str) -> UserUttered:
    return UserUttered(text, {"name": "inform", "confidence": 1.0},
                       [{"entity": "number", "value": text, "start": 0, "end": len(text)}])


def _ask(slot: str, question: str) -> list[Event]:
    return [SlotSet("requested_slot", slot), BotUttered(question),
            ActionExecuted("action_listen")]


# A booking conversation as Rasa records it, turn by turn (the store saves after each turn).
TURNS: list[list[Event]] = [
    [ActionExecuted("action_listen"), _user("我想預約視像辦"), *_ask("applicant_name", "姓名？")],
    [_user(NAME), SlotSet("applicant_name", NAME), *_ask("contact_phone", "電話？")],
    [_user(PHONE), SlotSet("contact_phone", "+85291234567"), *_ask("id_number", "號碼？")],
    [_user(HKID), SlotSet("id_number", "A1234563"), *_ask("booking_confirmed", "確認？")],
    # "change the name": the answer, its slot and a summary that repeats it, in one turn
    [_user("/change_name"), *_ask("applicant_name", "姓名？")],
    [_user(NAME), SlotSet("applicant_name", NAME),
     BotUttered(f"請核對：姓名：{NAME} 電話：+852 ****4567", {"buttons": [
         {"title": f"改 {NAME}", "payload": f'/inform{{"contact_phone": "{PHONE}"}}'}]}),
     *_ask("booking_confirmed", "確認？")],
    # typed outside the questions: the phone and the ID are recognised by their shape
    [_user(f"其實電話係 {PHONE}，證件 {HKID}"),
     SlotSet("pending_question", f"電話 {PHONE}"), BotUttered(f"沒有找到“{PHONE}”"),
     ActionExecuted("action_listen")],
]


async def _save_conversation(store: ConversationStore, sender: str) -> DialogueStateTracker:
    tracker = DialogueStateTracker(sender, DOMAIN.slots)
    for turn in TURNS:
        for event in turn:
            tracker.update(event)
        await store.save(tracker)
        # the next turn starts from what was stored, as Rasa's processor does
        tracker = await store.retrieve(sender)
    # all of it, not the window of the last turns a turn loads
    return await store.retrieve_full_tracker(sender)


def _sqlite_store(tmp_path: Path, **settings: Any) -> tuple[ConversationStore, str]:
    db = tmp_path / "tracker.db"
    return ConversationStore(DOMAIN, dialect="sqlite", db=str(db), **settings), f"sqlite:///{db}"


def _postgres_store(url: str) -> ConversationStore:
    parsed = make_url(url)
    return ConversationStore(DOMAIN, dialect="postgresql", host=parsed.host,
                                 port=parsed.port, db=parsed.database, username=parsed.username)


async def _assert_masked(store: ConversationStore, database_url: str) -> None:
    tracker = await _save_conversation(store, "applicant")
    assert found(stored_text(database_url)) == []
    assert tracker.get_slot("applicant_name") == "陳**"
    assert tracker.get_slot("contact_phone").endswith("4567")
    texts = [event.text for event in tracker.events if isinstance(event, UserUttered)]
    assert texts == ["我想預約視像辦", "陳**", "**********4567", "******6(3)", "/change_name",
                     "陳**", "其實電話係 +852 ****4567，證件 ****4563"]
    (summary,) = [event for event in tracker.events
                  if isinstance(event, BotUttered) and "核對" in event.text]
    assert "姓名：陳**" in summary.text and summary.data["buttons"][0]["title"] == "改 陳**"
    assert tracker.get_slot("pending_question") == "電話 +852 ****4567"


async def test_sqlite_keeps_masks_only(tmp_path: Path) -> None:
    store, url = _sqlite_store(tmp_path)
    await _assert_masked(store, url)


async def test_postgresql_keeps_masks_only(postgres_database: str) -> None:
    await _assert_masked(_postgres_store(postgres_database), postgres_database)


async def test_an_event_broker_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="event broker"):
        ConversationStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "t.db"),
                              event_broker=object())


async def test_retention_deletes_what_is_older(tmp_path: Path) -> None:
    store, _ = _sqlite_store(tmp_path, retention_days=90)
    now = time.time()
    tracker = DialogueStateTracker("old", DOMAIN.slots)
    tracker.update(UserUttered("很久以前", timestamp=now - 91 * DAY))
    tracker.update(UserUttered("最近", timestamp=now - 89 * DAY))
    await store.save(tracker)
    assert await purge(store, now=now) == 1
    remaining = await store.retrieve("old")
    assert [event.text for event in remaining.events] == ["最近"]


def test_the_purge_command_reads_the_endpoints_file(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(yaml.safe_dump({"tracker_store": {
        "type": "bot.conversations.store.ConversationStore", "dialect": "sqlite",
        "db": str(tmp_path / "tracker.db"), "retention_days": 30}}), encoding="utf-8")
    assert conversations_command(["purge", "--endpoints", str(endpoints)]) == 0
    assert "older than 30 days" in capsys.readouterr().out
