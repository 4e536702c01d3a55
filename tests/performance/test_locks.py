"""Conversation locks across a Redis outage (bot/conversations/locks.py), on a real Redis that keeps
its data, as the cluster's does."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from rasa.core.lock_store import LockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig
from redis.exceptions import ConnectionError as RedisConnectionError

from bot.conversations.locks import RecoveringRedisLockStore
from bot.local_servers import free_port, redis_server


@pytest.fixture
def redis_data() -> Iterator[Path]:
    data = Path(tempfile.mkdtemp(prefix="jm-locks-"))
    yield data
    shutil.rmtree(data, ignore_errors=True)


def test_a_ticket_redis_could_not_take_back_is_given_back_when_it_answers(
        redis_data: Path) -> None:
    port = free_port()
    config = EndpointConfig(url="127.0.0.1", port=port, db=1, key_prefix="test",
                            type="bot.conversations.locks.RecoveringRedisLockStore")
    with redis_server(port, data_dir=redis_data):
        store = LockStore.create(config)
        plain = RedisLockStore(host="127.0.0.1", port=port, db=1, key_prefix="test")
        assert isinstance(store, RecoveringRedisLockStore)
        ours, rasas = store.issue_ticket("ours"), plain.issue_ticket("rasas")
    # Redis is down when both turns end
    store.cleanup("ours", ours)  # remembered, not raised: the turn's answer stands
    with pytest.raises(RedisConnectionError):
        plain.cleanup("rasas", rasas)
    with redis_server(port, data_dir=redis_data):
        assert store.get_lock("ours").is_locked(ours + 1)  # kept on disk by Redis
        store.issue_ticket("someone else")
        assert store.get_lock("ours") is None  # given back
        assert plain.get_lock("rasas").is_locked(rasas + 1)  # Rasa's waits for its lifetime
