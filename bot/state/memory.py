"""Channel state in this process's memory: for one Rasa process (``make run``) and tests."""

from __future__ import annotations

import fnmatch
import time


class MemoryState:
    def __init__(self, max_keys: int = 100_000) -> None:
        # key -> (value, expiry on the monotonic clock)
        self._items: dict[str, tuple[str, float]] = {}
        self._max_keys = max_keys

    def _live(self, key: str) -> str | None:
        item = self._items.get(key)
        if item is None:
            return None
        if item[1] <= time.monotonic():
            del self._items[key]
            return None
        return item[0]

    def _store(self, key: str, value: str, ttl: float) -> None:
        if len(self._items) >= self._max_keys and key not in self._items:
            self._evict()
        self._items[key] = (value, time.monotonic() + ttl)

    def _evict(self) -> None:
        """Drops expired keys, then the oldest-expiring ones: memory stays bounded under a flood."""
        now = time.monotonic()
        for key in [k for k, (_, expiry) in self._items.items() if expiry <= now]:
            del self._items[key]
        overflow = len(self._items) - self._max_keys + 1
        if overflow > 0:
            for key, _ in sorted(self._items.items(), key=lambda kv: kv[1][1])[:overflow]:
                del self._items[key]

    async def get(self, key: str) -> str | None:
        return self._live(key)

    async def set(self, key: str, value: str, ttl: float) -> None:
        self._store(key, value, ttl)

    async def add(self, key: str, value: str, ttl: float) -> bool:
        if self._live(key) is not None:
            return False
        self._store(key, value, ttl)
        return True

    async def take(self, key: str) -> str | None:
        value = self._live(key)
        self._items.pop(key, None)
        return value

    async def incr(self, key: str, ttl: float) -> int:
        current = self._live(key)
        if current is None:
            self._store(key, "1", ttl)
            return 1
        count = int(current) + 1
        self._items[key] = (str(count), self._items[key][1])
        return count

    async def count_until_over(self, limits: list[tuple[str, int]], ttl: float) -> bool:
        for key, limit in limits:
            if await self.incr(key, ttl) > limit:
                return False
        return True

    async def delete(self, *keys: str) -> None:
        for key in keys:
            self._items.pop(key, None)

    async def delete_prefix(self, prefix: str) -> int:
        doomed = [key for key in self._items if fnmatch.fnmatchcase(key, f"{_escape(prefix)}*")]
        for key in doomed:
            del self._items[key]
        return len(doomed)


def _escape(prefix: str) -> str:
    return "".join(f"[{c}]" if c in "*?[]" else c for c in prefix)
