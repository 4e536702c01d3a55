"""Conversation locks (bot/conversations/locks.py) on a real Redis: across a Redis outage (a Redis
that keeps its data, as the cluster's does), and after a replica died holding a conversation."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from rasa.core.lock_store import LockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig
from redis.asyncio import SSLConnection as AsyncSSLConnection
from redis.exceptions import ConnectionError as RedisConnectionError

from bot.conversations.locks import RecoveringRedisLockStore
from bot.local_servers import free_port, redis_server


@pytest.fixture
def redis_data() -> Iterator[Path]:
    data = Path(tempfile.mkdtemp(prefix="jm-locks-"))
    yield data
    shutil.rmtree(data, ignore_errors=True)


async def test_a_ticket_redis_could_not_take_back_is_given_back_when_it_answers(
        redis_data: Path) -> None:
    port = free_port()
    config = EndpointConfig(url="127.0.0.1", port=port, db=1, key_prefix="test",
                            type="bot.conversations.locks.RecoveringRedisLockStore")
    with redis_server(port, data_dir=redis_data):
        store = LockStore.create(config)
        plain = RedisLockStore(host="127.0.0.1", port=port, db=1, key_prefix="test")
        assert isinstance(store, RecoveringRedisLockStore)
        turn = store.lock("ours")
        ours = (await turn.__aenter__()).last_issued
        rasas = plain.issue_ticket("rasas")
    # Redis is down when both turns end
    await turn.__aexit__(None, None, None)  # remembered, not raised: the turn's answer stands
    with pytest.raises(RedisConnectionError):
        plain.cleanup("rasas", rasas)
    with redis_server(port, data_dir=redis_data):
        assert store.get_lock("ours").is_locked(ours + 1)  # kept on disk by Redis
        async with store.lock("someone else"):
            assert store.get_lock("ours") is None  # given back before the next ticket
        assert plain.get_lock("rasas").is_locked(rasas + 1)  # Rasa's waits for its lifetime


async def test_a_turn_waiting_for_a_dead_replicas_ticket_gets_its_turn(redis_url: str) -> None:
    url = urlsplit(redis_url)
    config = EndpointConfig(url=url.hostname, port=url.port, db=2, key_prefix="wait")
    ours, rasas = RecoveringRedisLockStore(config), RedisLockStore(url.hostname, url.port, db=2,
                                                                   key_prefix="wait")
    # a replica that died holding the conversation
    rasas.issue_ticket("rasas", 1.0)
    await ours._issue("ours", 1.0)
    await asyncio.sleep(0.3)

    async def next_turn(store: RedisLockStore, conversation: str) -> None:
        # the next message: its ticket would expire in the same poll as the dead one
        async with store.lock(conversation, lock_lifetime=0.95, wait_time_in_seconds=0.5):
            pass

    with pytest.raises(asyncio.TimeoutError):  # Rasa's own waits for a ticket that is gone
        await asyncio.wait_for(next_turn(rasas, "rasas"), 3)
    await asyncio.wait_for(next_turn(ours, "ours"), 3)
    assert ours.get_lock("ours") is None  # given back at the end of the turn


async def test_a_turn_taken_while_redis_restarts_waits_for_it(redis_data: Path) -> None:
    port = free_port()
    store = RecoveringRedisLockStore(EndpointConfig(url="127.0.0.1", port=port, db=1,
                                                    key_prefix="restart"))

    async def turn() -> float:
        async with store.lock("patient", wait_time_in_seconds=0.2):
            return time.monotonic()

    started = time.monotonic()
    waiting = asyncio.create_task(turn())  # Redis is not there yet
    await asyncio.sleep(1.0)
    with redis_server(port, data_dir=redis_data):
        answered = await asyncio.wait_for(waiting, 10)
        assert answered - started >= 1.0
        assert store.get_lock("patient") is None


async def test_a_ticket_written_as_the_connection_broke_does_not_block_the_conversation(
        redis_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.conversations import patience

    url = urlsplit(redis_url)
    store = RecoveringRedisLockStore(EndpointConfig(url=url.hostname, port=url.port, db=3,
                                                    key_prefix="broken"))
    real_change = store._change_lock
    broken = iter([True])

    async def change_then_break(**call: Any) -> Any:
        written = await real_change(**call)  # Redis wrote the ticket...
        if next(broken, False):
            raise RedisConnectionError("Connection closed by server.")  # ...and went away
        return written

    monkeypatch.setattr(store, "_change_lock", change_then_break)
    monkeypatch.setattr(patience, "POLL_SECONDS", 0.01)

    async def turn() -> None:
        async with store.lock("broken", lock_lifetime=30, wait_time_in_seconds=0.05):
            pass

    await asyncio.wait_for(turn(), 5)  # not 30 s, waiting for the orphaned ticket to expire
    assert store.get_lock("broken") is None


def test_replicas_taking_tickets_at_once_never_share_a_number(redis_url: str) -> None:
    """Rasa's store reads, changes and writes a lock in three steps, so two replicas can both be
    given the same ticket; here taking one is a single atomic step."""
    url = urlsplit(redis_url)
    config = EndpointConfig(url=url.hostname, port=url.port, db=4, key_prefix="race")
    replicas = [RecoveringRedisLockStore(config) for _ in range(4)]

    async def fifty_tickets(store: RecoveringRedisLockStore) -> list[int]:
        return [(await store._issue("busy", 60))[0] for _ in range(50)]

    with ThreadPoolExecutor(len(replicas)) as pool:  # each replica in its own thread and loop
        tickets = [ticket for batch in pool.map(
            lambda store: asyncio.run(fifty_tickets(store)), replicas) for ticket in batch]
    assert sorted(tickets) == list(range(200))
    lock = RedisLockStore(url.hostname, url.port, db=4, key_prefix="race").get_lock("busy")
    assert [ticket.number for ticket in lock.tickets] == list(range(200))  # Rasa reads them


async def test_a_turn_costs_two_round_trips_and_a_second_message_waits_its_turn(
        redis_url: str) -> None:
    url = urlsplit(redis_url)
    store = RecoveringRedisLockStore(EndpointConfig(url=url.hostname, port=url.port, db=5,
                                                    key_prefix="turns"))
    async with store.lock("first"):  # connects (and selects the database) once
        pass
    store.red.config_resetstat()
    async with store.lock("alone"):
        pass
    # two calls; the GETs, the SET and the DEL ran inside the scripts
    assert _commands(store) == {"evalsha": 2, "get": 2, "set": 1, "del": 1}

    order: list[str] = []

    async def turn(name: str, seconds: float) -> None:
        async with store.lock("chatty"):
            order.append(f"{name} starts")
            await asyncio.sleep(seconds)
            order.append(f"{name} ends")

    started = time.monotonic()
    first = asyncio.create_task(turn("first", 0.3))
    await asyncio.sleep(0.05)
    await asyncio.wait_for(asyncio.gather(first, turn("second", 0)), 5)
    assert order == ["first starts", "first ends", "second starts", "second ends"]
    assert time.monotonic() - started < 0.3 + 0.1 + 0.15  # waited one poll, not Rasa's second
    assert store.get_lock("chatty") is None


def _commands(store: RecoveringRedisLockStore) -> dict[str, int]:
    """Commands Redis ran since its statistics were reset, by name (but not INFO itself)."""
    return {name.removeprefix("cmdstat_"): stats["calls"]
            for name, stats in store.red.info("commandstats").items()
            if name not in ("cmdstat_info", "cmdstat_config|resetstat", "cmdstat_script|load")}


def test_the_asyncio_client_connects_as_rasas_client_does() -> None:
    store = RecoveringRedisLockStore(EndpointConfig(
        url="redis.internal", port=6380, db=7, password="secret", use_ssl=True,
        ssl_ca_certs="/etc/ssl/redis-ca.pem", socket_timeout=4, key_prefix="tls"))
    rasas = store.red.connection_pool
    ours = store._change_lock.registered_client.connection_pool
    assert issubclass(ours.connection_class, AsyncSSLConnection)
    for setting in ("host", "port", "db", "password", "socket_timeout", "ssl_ca_certs"):
        assert ours.connection_kwargs[setting] == rasas.connection_kwargs[setting], setting
