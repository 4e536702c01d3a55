"""The queue in front of a Rasa process's turns: one computes at a time, the others wait in
arrival order (``bot.channels.reliable.never_silent`` puts every channel's turns through it).

Rasa's turn is mostly CPU work between a few awaits. Admitted all at once, each turn's CPU is
interleaved with every other turn's, so under a peak the turn that needs a little more CPU (a
form, two action calls) finishes behind all of them. In the queue, each waits for those before
it and then runs alone: at 50 concurrent senders on two workers the slowest 1 % of answers went
from about 1.2 s with no queue to 0.9-1.05 s with 4 turns at once, and to 0.94-1.02 s with one
(docs/deploy.md, "Later levers" and the sixteenth pass).

A place is for computing, not for waiting:
- a turn gives its place up while it waits for another server (the action server, through
  ``waiting_elsewhere``, which ``bot.patches`` wraps around Rasa's HTTP calls), for its
  conversation's lock in Redis, between tries at a store that is away, and while a database call
  is slow (``waiting_elsewhere_after``). A slow booking service or database then holds up only
  the conversations that wait for it. Back, it computes at once, beside the turn that holds the
  place if need be: it was admitted before every turn still waiting. At the back of the queue
  it waited once per action call, and the slowest answers were slower than with no queue at all;
  waiting for the next free place, a form turn (two action calls) still waited twice, and the
  slowest 1 % of answers at 50 senders were 1.08 s against 1.01 s now;
- the turns of one conversation take their places one after the other (a resident's quick second
  message waits for the first here, not in a place, and not for Rasa's lock store's one-second
  poll).
"""

from __future__ import annotations

import asyncio
import contextvars
import heapq
import itertools
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TypeVar

from bot import balance

T = TypeVar("T")

# One turn at a time keeps the process's core busy (the turns waiting elsewhere do not count), and
# a turn's data stays warm in the CPU's caches: against 4 at once, Rasa's CPU per message fell
# from 25.9 to 24.5 ms and the slowest 1 % of answers from 1.13 to 0.99 s (two stacks side by
# side, 50 senders, 6 rounds); 2 at once was within the rounds' spread of 4.
TURNS_AT_ONCE = 1


class _Places:
    """``limit`` places; a freed one goes to the waiting turn that arrived first. A turn back
    from another server takes one at once, over the limit if need be."""

    def __init__(self, limit: int) -> None:
        self.free = limit
        self._waiting: list[tuple[int, asyncio.Future[None]]] = []  # a heap by arrival

    async def take(self, arrival: int) -> None:
        if self.free > 0:
            self.free -= 1
            return
        handed = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (arrival, handed))
        try:
            await handed
        except asyncio.CancelledError:
            if handed.done() and not handed.cancelled():
                self.give_back()  # handed over as the turn was cancelled: pass it on
            raise

    def take_at_once(self) -> None:
        self.free -= 1  # below zero: over the limit until a place is given back

    def give_back(self) -> None:
        if self.free < 0:
            self.free += 1
            return
        while self._waiting:
            _, handed = heapq.heappop(self._waiting)
            if not handed.done():  # not cancelled meanwhile
                handed.set_result(None)
                return
        self.free += 1


@dataclass
class _Place:
    places: _Places
    arrival: int
    held: bool = False

    async def take(self) -> None:
        await self.places.take(self.arrival)
        self.held = True

    def take_at_once(self) -> None:
        self.places.take_at_once()
        self.held = True

    def give_up(self) -> None:
        if self.held:
            self.held = False
            self.places.give_back()


_current: contextvars.ContextVar[_Place | None] = contextvars.ContextVar("turn_place",
                                                                         default=None)


@dataclass
class _Conversation:
    one_at_a_time: asyncio.Lock = field(default_factory=asyncio.Lock)
    turns: int = 0  # here, waiting or running: the entry goes with the last


@dataclass
class _LoopQueue:
    places: _Places
    conversations: dict[str, _Conversation] = field(default_factory=dict)
    arrivals: itertools.count = field(default_factory=itertools.count)
    turns: int = 0  # here, waiting or computing: the load bot.balance compares between workers


class TurnQueue:
    """One queue per event loop: each Sanic worker, and each test's loop, has its own."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: _LoopQueue | None = None

    def _for_this_loop(self) -> _LoopQueue:
        loop = asyncio.get_running_loop()
        if self._queue is None or self._loop is not loop:
            self._loop, self._queue = loop, _LoopQueue(_Places(self.limit))
        return self._queue

    @asynccontextmanager
    async def turn(self, conversation_id: str) -> AsyncIterator[None]:
        queue = self._for_this_loop()
        arrival = next(queue.arrivals)
        conversation = queue.conversations.get(conversation_id)
        if conversation is None:  # not setdefault: that would make a lock for every turn
            conversation = queue.conversations[conversation_id] = _Conversation()
        conversation.turns += 1
        queue.turns += 1
        balance.publish(queue.turns)
        try:
            async with conversation.one_at_a_time:
                place = _Place(queue.places, arrival)
                await place.take()
                token = _current.set(place)
                try:
                    yield
                finally:
                    _current.reset(token)
                    place.give_up()
        finally:
            queue.turns -= 1
            balance.publish(queue.turns)
            conversation.turns -= 1
            if conversation.turns == 0:
                del queue.conversations[conversation_id]


turn_queue = TurnQueue(TURNS_AT_ONCE)


async def waiting_elsewhere(awaitable: Awaitable[T]) -> T:
    """Awaits another server with this turn's place given up; takes one again at once after."""
    place = _current.get()
    if place is None or not place.held:
        return await awaitable
    place.give_up()
    try:
        return await awaitable
    finally:
        place.take_at_once()


async def waiting_elsewhere_after(seconds: float, awaitable: Awaitable[T]) -> T:
    """Awaits with this turn's place held for up to ``seconds``, then given up until the
    awaitable is done: for a call that is quick when all is well (the conversations' database,
    a few milliseconds), and would otherwise hold every turn of the process up when it is not."""
    place = _current.get()
    if place is None or not place.held:
        return await awaitable
    waited = asyncio.ensure_future(awaitable)
    try:
        done, _ = await asyncio.wait({waited}, timeout=seconds)
        if not done:
            return await waiting_elsewhere(waited)
    except asyncio.CancelledError:
        waited.cancel()
        raise
    return waited.result()
