"""After whole booking chats through REST and Socket.IO, the applicant's name, phone and ID number
are nowhere in the stored conversations (every table) or in any server's log, on SQLite (the
default) and on PostgreSQL (as in a cluster); the operator API shows masks only."""

from __future__ import annotations

import asyncio
import uuid

import pytest
import requests

from bot.stack import Stack
from tests.security.conftest import (
    found,
    log_text,
    rest_booking_chat,
    socketio_booking_chat,
    stored_text,
    tracker_database,
)

pytestmark = pytest.mark.stack


def _chat_both_ways(stack: Stack) -> str:
    sender = uuid.uuid4().hex
    rest_booking_chat(stack, sender)
    asyncio.run(socketio_booking_chat(stack))
    return sender


def _assert_nothing_kept(stack: Stack) -> None:
    assert found(stored_text(tracker_database(stack))) == []
    assert found(log_text(stack.run_dir / "log")) == []


def test_sqlite_conversations_and_logs_keep_masks_only(stack: Stack) -> None:
    _chat_both_ways(stack)
    _assert_nothing_kept(stack)


def test_postgresql_conversations_and_logs_keep_masks_only(secure_stack: Stack) -> None:
    sender = _chat_both_ways(secure_stack)
    _assert_nothing_kept(secure_stack)
    tracker = requests.get(f"{secure_stack.rasa_url}/conversations/rest:{sender}/tracker",
                           params={"token": secure_stack.api_token}, timeout=30)
    assert tracker.status_code == 200 and found(tracker.text) == []
    texts = [event.get("text") for event in tracker.json()["events"]
             if event["event"] == "user"]
    assert "陳**" in texts
