"""Channel state in Redis (``REDIS_URL``), shared by every replica."""

from __future__ import annotations

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError, TimeoutError

KEY_PREFIX = "jm:"
# KEYS: counters in order; ARGV: the window in milliseconds, then each key's limit
_COUNT_UNTIL_OVER = """
for i, key in ipairs(KEYS) do
  local count = redis.call('INCR', key)
  redis.call('PEXPIRE', key, ARGV[1], 'NX')
  if count > tonumber(ARGV[i + 1]) then return 0 end
end
return 1
"""
# short: a state call sits on the path of a user's message
SOCKET_TIMEOUT = 2.0
# a pooled connection that went stale while Redis restarted fails once; reconnecting and sending
# again, within about a second, is what the caller would do anyway
RECONNECT_ATTEMPTS = 3


class RedisState:
    def __init__(self, url: str, key_prefix: str = KEY_PREFIX) -> None:
        self._redis = aioredis.from_url(url, decode_responses=True,
                                        socket_timeout=SOCKET_TIMEOUT,
                                        socket_connect_timeout=SOCKET_TIMEOUT,
                                        health_check_interval=30,
                                        retry=Retry(ExponentialBackoff(cap=0.5, base=0.05),
                                                    RECONNECT_ATTEMPTS),
                                        retry_on_error=[ConnectionError, TimeoutError])
        self._prefix = key_prefix
        self._count_until_over = self._redis.register_script(_COUNT_UNTIL_OVER)

    async def get(self, key: str) -> str | None:
        return await self._redis.get(self._prefix + key)

    async def set(self, key: str, value: str, ttl: float) -> None:
        await self._redis.set(self._prefix + key, value, px=_millis(ttl))

    async def add(self, key: str, value: str, ttl: float) -> bool:
        return bool(await self._redis.set(self._prefix + key, value, px=_millis(ttl), nx=True))

    async def take(self, key: str) -> str | None:
        return await self._redis.getdel(self._prefix + key)

    async def incr(self, key: str, ttl: float) -> int:
        full = self._prefix + key
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(full)
            pipe.pexpire(full, _millis(ttl), nx=True)
            count, _ = await pipe.execute()
        return int(count)

    async def count_until_over(self, limits: list[tuple[str, int]], ttl: float) -> bool:
        return bool(await self._count_until_over(
            keys=[self._prefix + key for key, _ in limits],
            args=[_millis(ttl), *(limit for _, limit in limits)]))

    async def delete(self, *keys: str) -> None:
        if keys:
            await self._redis.delete(*(self._prefix + key for key in keys))

    async def delete_prefix(self, prefix: str) -> int:
        pattern = _glob_escape(self._prefix + prefix) + "*"
        removed = 0
        async for key in self._redis.scan_iter(match=pattern, count=500):
            removed += await self._redis.delete(key)
        return removed

    async def close(self) -> None:
        await self._redis.close()


def _millis(seconds: float) -> int:
    return max(1, int(seconds * 1000))


def _glob_escape(text: str) -> str:
    return "".join(f"\\{c}" if c in "*?[]\\" else c for c in text)
