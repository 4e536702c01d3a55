"""Short-lived channel state shared by every replica: dedup keys, reply caches, button maps,
access tokens, rate-limit counters.

One small interface, two implementations: in memory for a single process (``make run``), Redis
when ``REDIS_URL`` is set (several replicas, ``make run-cluster``). Durable business data
(bookings, callbacks, ratings, audit) belongs in the database, not here.

Keys are plain strings, values are strings (callers serialise JSON themselves), and every key
written has a time to live, so nothing here lives forever.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Protocol

from bot.state.memory import MemoryState
from bot.state.redis import RedisState

__all__ = ["ChannelState", "MemoryState", "RedisState", "channel_state"]


class ChannelState(Protocol):
    async def get(self, key: str) -> str | None:
        """The value, or None when absent or expired."""

    async def set(self, key: str, value: str, ttl: float) -> None:
        """Stores ``value`` for ``ttl`` seconds."""

    async def add(self, key: str, value: str, ttl: float) -> bool:
        """Stores ``value`` only if ``key`` is absent; True when this call stored it."""

    async def take(self, key: str) -> str | None:
        """Removes the key and returns its value (None when absent or expired), in one step."""

    async def incr(self, key: str, ttl: float) -> int:
        """Adds one and returns the count; the window of ``ttl`` seconds starts at the first."""

    async def count_until_over(self, limits: list[tuple[str, int]], ttl: float) -> bool:
        """Adds one to each key in turn, as ``incr`` does, and stops at the first whose count
        is over its limit (the keys after it are not counted); False when one was over. One
        round trip in Redis: a channel asks this before every message."""

    async def delete(self, *keys: str) -> None:
        """Removes the keys (absent ones are ignored)."""

    async def delete_prefix(self, prefix: str) -> int:
        """Removes every key that starts with ``prefix``; returns how many."""


@cache
def channel_state() -> ChannelState:
    """This process's state: Redis when REDIS_URL is set, else in memory."""
    url = os.environ.get("REDIS_URL")
    return RedisState(url) if url else MemoryState()
