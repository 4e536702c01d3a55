"""The channel state behaves the same in memory and in a real Redis server."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
import redis

from bot.state import ChannelState, MemoryState, RedisState


@pytest.fixture(params=["memory", "redis"])
async def state(request: pytest.FixtureRequest) -> AsyncIterator[ChannelState]:
    if request.param == "memory":
        yield MemoryState()
        return
    redis_state = RedisState(request.getfixturevalue("redis_url"),
                             key_prefix=f"test-{uuid.uuid4().hex[:8]}:")
    yield redis_state
    await redis_state.close()


async def test_set_get_and_expiry(state: ChannelState) -> None:
    assert await state.get("a") is None
    await state.set("a", "一", ttl=0.2)
    assert await state.get("a") == "一"
    await asyncio.sleep(0.3)
    assert await state.get("a") is None


async def test_add_stores_only_once(state: ChannelState) -> None:
    assert await state.add("msg:1", "x", ttl=5)
    assert not await state.add("msg:1", "y", ttl=5)
    assert await state.get("msg:1") == "x"


async def test_take_returns_the_value_once(state: ChannelState) -> None:
    await state.set("flag", "up", ttl=5)
    assert await state.take("flag") == "up"
    assert await state.take("flag") is None
    assert await state.get("flag") is None


async def test_incr_counts_within_a_window(state: ChannelState) -> None:
    assert [await state.incr("rate", ttl=0.3) for _ in range(3)] == [1, 2, 3]
    await asyncio.sleep(0.4)
    assert await state.incr("rate", ttl=0.3) == 1


async def test_count_until_over_stops_at_the_first_counter_over_its_limit(
        state: ChannelState) -> None:
    counters = [("sender", 2), ("address", 5)]
    assert [await state.count_until_over(counters, ttl=0.3) for _ in range(4)] == [
        True, True, False, False]
    assert await state.incr("address", ttl=0.3) == 3  # the refused two were not counted here
    await asyncio.sleep(0.4)
    assert await state.count_until_over(counters, ttl=0.3)  # a new window


async def test_delete_and_delete_prefix(state: ChannelState) -> None:
    for key in ("user:a:1", "user:a:2", "user:b:1", "user:a*x"):
        await state.set(key, "v", ttl=5)
    await state.delete("user:b:1", "absent")
    assert await state.get("user:b:1") is None
    assert await state.delete_prefix("user:a:") == 2
    assert await state.get("user:a*x") == "v"


async def test_memory_stays_bounded() -> None:
    state = MemoryState(max_keys=10)
    for number in range(50):
        await state.set(f"k{number}", "v", ttl=60)
    assert len(state._items) <= 10
    assert await state.get("k49") == "v"


async def test_redis_state_survives_its_connections_being_dropped(redis_url: str) -> None:
    # what a Redis restart does to a pooled connection: the server closes it while it is idle
    state = RedisState(redis_url, key_prefix=f"test-{uuid.uuid4().hex[:8]}:")
    try:
        await state.set("draft", "一", ttl=5)
        redis.Redis.from_url(redis_url).client_kill_filter(_type="normal", skipme=True)
        assert await state.get("draft") == "一"
    finally:
        await state.close()
