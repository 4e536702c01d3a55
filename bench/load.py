"""Bounded load on a REST webhook, on loopback: closed-loop senders, each waiting for its answer
before it sends the next message, as people in a chat do.

One asyncio client for every sender (aiohttp), so the client itself costs little of the two
cores the servers share.
"""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

# the measurement: each sender starts a new conversation every 20 messages
CONVERSATION_LENGTH = 20
REQUEST_TIMEOUT = 60.0
# messages sent before measuring: the first calls load TensorFlow graphs and warm caches
WARM_UP = 40


@dataclass
class LevelResult:
    senders: int
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0

    def figures(self) -> dict[str, Any]:
        took = self.latencies_ms
        return {"senders": self.senders, "messages": len(took), "errors": self.errors,
                "seconds": round(self.seconds, 2),
                "throughput_per_s": round(len(took) / self.seconds, 1) if self.seconds else 0.0,
                "p50_ms": round(percentile(took, 0.50), 1), "p95_ms": round(percentile(took, 0.95), 1),
                "p99_ms": round(percentile(took, 0.99), 1),
                "mean_ms": round(statistics.fmean(took), 1) if took else 0.0}


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(int(fraction * len(ordered)), len(ordered) - 1)]


async def _post(session: aiohttp.ClientSession, url: str, sender: str, text: str) -> float:
    start = time.perf_counter()
    async with session.post(url, json={"sender": sender, "message": text}) as answer:
        await answer.read()
        answer.raise_for_status()
    return (time.perf_counter() - start) * 1000


def _client(senders: int) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT),
        connector=aiohttp.TCPConnector(limit=senders + 5))


async def level(url: str, messages: list[str], senders: int, time_limit: float,
                conversation_length: int = CONVERSATION_LENGTH) -> LevelResult:
    """``messages`` shared out between ``senders`` concurrent senders; stops early, between
    messages, when ``time_limit`` seconds have passed."""
    result = LevelResult(senders)
    batches = [messages[i::senders] for i in range(senders)]
    deadline = time.monotonic() + time_limit

    async def sender(session: aiohttp.ClientSession, batch: list[str]) -> None:
        conversation = ""
        for number, text in enumerate(batch):
            if time.monotonic() > deadline:
                return
            if number % conversation_length == 0:
                conversation = uuid.uuid4().hex
            try:
                result.latencies_ms.append(await _post(session, url, conversation, text))
            except (aiohttp.ClientError, asyncio.TimeoutError):
                result.errors += 1

    async with _client(senders) as session:
        start = time.perf_counter()
        await asyncio.gather(*(sender(session, batch) for batch in batches))
        result.seconds = time.perf_counter() - start
    return result


async def one_conversation(url: str, messages: list[str],
                           after_each: Callable[[], Any] | None = None) -> list[float]:
    """Every message in one conversation, in order; the latency of each turn. ``after_each`` is
    called after every turn (e.g. to read a server's CPU time)."""
    conversation = uuid.uuid4().hex
    took = []
    async with _client(1) as session:
        for text in messages:
            took.append(await _post(session, url, conversation, text))
            if after_each:
                after_each()
    return took
