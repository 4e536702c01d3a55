"""Rate limits count per sender and per address; widget session tokens bind to their session."""

from __future__ import annotations

import pytest

from bot.channels import sessions
from bot.channels.limits import Limits, allow
from bot.state import MemoryState


async def test_a_flooding_sender_is_refused_others_are_not() -> None:
    state, limits = MemoryState(), Limits(window_seconds=60, per_sender=3, per_address=100)
    results = [await allow("rest", "flood", "10.0.0.1", limits, state) for _ in range(5)]
    assert results == [True, True, True, False, False]
    assert await allow("rest", "calm", "10.0.0.2", limits, state)


async def test_one_address_with_many_senders_is_refused() -> None:
    state, limits = MemoryState(), Limits(window_seconds=60, per_sender=100, per_address=2)
    results = [await allow("socketio", f"s{n}", "10.0.0.9", limits, state) for n in range(3)]
    assert results == [True, True, False]


def test_session_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(sessions.SECRET_ENV, "test-secret")
    session_id, token = sessions.new_session()
    assert sessions.verify(session_id, token)
    assert not sessions.verify(session_id, sessions.sign("another"))
    assert not sessions.verify("another", token)
    assert not sessions.verify(session_id, None)
    monkeypatch.setenv(sessions.SECRET_ENV, "other-secret")
    assert not sessions.verify(session_id, token)
