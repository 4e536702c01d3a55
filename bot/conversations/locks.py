"""Conversation locks for several Rasa replicas: Rasa's Redis lock store, fixed for the ways it
fails when a replica or Redis goes away, and made atomic.

Each turn takes a ticket on its conversation's lock in Redis, waits until it is first, and gives
it back at the end; a ticket expires after ``TICKET_LOCK_LIFETIME`` seconds, so that a replica
that died cannot hold a conversation forever.

- **A waiter must not expire.** Rasa's waiting loop drops expired tickets, its own included:
  when a replica dies holding a conversation and the next message of that conversation was
  queued within a second of its ticket, both expire in the same poll and the waiter then waits
  for a ticket that no longer exists, until its client gives up (a 504 after nginx's 30 s).
  Here a waiting turn renews its own ticket at every poll: only the tickets of the dead expire.
- **A ticket Redis could not take back is given back later.** When Redis is unreachable as a
  turn ends (a restart, a failover), Rasa's store raises, the ticket stays in Redis (persisted)
  until it expires, and the next message of that conversation, on any replica, waits for it;
  and the error, raised after the turn was answered and saved, turns the answer into an
  apology. Here the ticket is remembered and given back as soon as Redis answers again (before
  this process's next ticket, for any conversation), and the turn's answer stands. The same for
  a ticket whose saving failed: Redis may have written it before the connection broke.
- **Each change is one atomic step.** Rasa reads a lock, changes it in Python and writes it
  back: seven round trips to Redis for a turn, and two replicas taking a ticket on one
  conversation at the same moment can both read the same lock and both be served at once. Here
  taking, renewing and giving back a ticket are each one Lua script that Redis runs atomically
  (``_CHANGE_LOCK``): two round trips for a turn nobody waits for, in the same format Rasa's
  ``TicketLock`` reads. A ticket also names its holder, so a ticket whose number never reached
  us (the connection broke as Redis wrote it) can still be given back.
- **A waiting turn looks again every 0.1 s**, not every second as Rasa's: a resident's second
  message, sent while the first is answered, is not held a second longer than it must.
- **A call to Redis is awaited.** Rasa's store calls Redis with a blocking client from the event
  loop, so the whole process stood still for each answer: under 50 senders about 1-1.5 ms a
  call on average (Redis waiting for a core), of which 0.36 ms was CPU, twice a turn. Here the
  changes go through an asyncio client with the same connection settings, and the loop serves
  other turns meanwhile. Rasa's blocking client (``red``) is left to the methods this store
  does not use in a turn (``get_lock``, which tests and tools read locks with).
- **A short outage is waited out.** Taking a ticket or waiting for one while Redis does not
  answer is tried again for a few seconds (``bot.conversations.patience``); a turn is answered
  late rather than with an apology. A longer outage still fails: the user gets the honest "try
  again" reply.

    lock_store:
      type: bot.conversations.locks.RecoveringRedisLockStore
      url: 127.0.0.1
      port: 6379
      db: 1
      key_prefix: jiangmen
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import redis
import redis.asyncio as aioredis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig
from redis.exceptions import RedisError

from bot.conversations.patience import patiently
from bot.turns import waiting_elsewhere

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.1

# KEYS[1]: the lock. ARGV: now, then one change:
#   "issue", conversation id, lifetime, holder: drop expired tickets, append the next one;
#   "renew", number, lifetime: extend that ticket, drop expired ones;
#   "return", field ("number" or "holder"), value: remove that ticket.
# Returns the lock as Rasa's TicketLock.dumps writes it, or false when no ticket is left (the key
# is then deleted, as Rasa's cleanup does).
_CHANGE_LOCK = """
local now, change = tonumber(ARGV[1]), ARGV[2]
local raw = redis.call('GET', KEYS[1])
if not raw and change ~= 'issue' then return false end
local lock = raw and cjson.decode(raw) or {conversation_id = ARGV[3], tickets = {}}
local kept = {}
for _, text in ipairs(lock.tickets) do
  local ticket = cjson.decode(text)
  if change == 'renew' and tostring(ticket.number) == ARGV[3] then
    ticket.expires = now + tonumber(ARGV[4])
  end
  local removed = (change == 'return' and tostring(ticket[ARGV[3]]) == ARGV[4])
    or (change ~= 'return' and ticket.expires < now)
  if not removed then table.insert(kept, ticket) end
end
if change == 'issue' then
  local number = #kept > 0 and kept[#kept].number + 1 or 0
  table.insert(kept, {number = number, expires = now + tonumber(ARGV[4]), holder = ARGV[5]})
end
if #kept == 0 then
  redis.call('DEL', KEYS[1])
  return false
end
local texts = {}
for i, ticket in ipairs(kept) do texts[i] = cjson.encode(ticket) end
lock.tickets = texts
local dumped = cjson.encode(lock)
redis.call('SET', KEYS[1], dumped)
return dumped
"""


class RecoveringRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: EndpointConfig) -> None:
        # Rasa hands a lock store declared by module path its endpoint config, nothing else
        super().__init__(host=endpoint_config.url, **endpoint_config.kwargs)
        self._change_lock = _asyncio_client_like(self.red).register_script(_CHANGE_LOCK)
        # (conversation id, "number" or "holder", value) -> when the ticket expires by itself
        self._unreturned: dict[tuple[str, str, str], float] = {}

    @asynccontextmanager
    async def lock(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME,
                   wait_time_in_seconds: float = POLL_SECONDS) -> AsyncIterator[TicketLock]:
        ticket, lock = await patiently(lambda: self._issue(conversation_id, lock_lifetime),
                                       _unreachable)
        try:
            while lock.is_locked(ticket):
                await waiting_elsewhere(asyncio.sleep(wait_time_in_seconds))
                renewed = await patiently(  # only the tickets of the dead expire
                    lambda: self._changed(conversation_id, "renew", ticket, lock_lifetime),
                    _unreachable)
                if renewed is None:
                    raise LockError(
                        f"Could not acquire lock for conversation_id '{conversation_id}'.")
                lock = renewed
            yield lock
        finally:
            await self._give_back(conversation_id, "number", ticket)

    async def _changed(self, conversation_id: str, *change: Any) -> TicketLock | None:
        dumped = await self._change_lock(keys=[self.key_prefix + conversation_id],
                                         args=[repr(time.time()), *change])
        return TicketLock.from_dict(json.loads(dumped)) if dumped else None

    async def _issue(self, conversation_id: str, lifetime: float) -> tuple[int, TicketLock]:
        """A new ticket and the lock with it. When the call fails or the turn is cancelled
        during it, Redis may still have written the ticket; it is given back by its holder
        later."""
        await self._return_unreturned()
        holder = uuid.uuid4().hex
        try:
            lock = await self._changed(conversation_id, "issue", conversation_id, lifetime,
                                       holder)
        except (RedisError, asyncio.CancelledError):
            self._unreturned[(conversation_id, "holder", holder)] = time.monotonic() + lifetime
            raise
        assert lock is not None  # an issued ticket is never the last one removed
        return lock.last_issued, lock

    async def _give_back(self, conversation_id: str, field: str, value: int | str) -> None:
        """Removes the ticket whose ``field`` is ``value``; when Redis does not answer (or the
        turn is cancelled meanwhile) it is remembered, and given back before this process's
        next ticket."""
        try:
            await self._changed(conversation_id, "return", field, value)
        except (RedisError, asyncio.CancelledError) as error:
            logger.warning("could not give back ticket %s=%s of conversation %s (%r); giving it "
                           "back when Redis answers", field, value, conversation_id, error)
            self._unreturned[(conversation_id, field, str(value))] = (
                time.monotonic() + LOCK_LIFETIME)
            if isinstance(error, asyncio.CancelledError):
                raise

    async def _return_unreturned(self) -> None:
        for (conversation_id, field, value), expires in list(self._unreturned.items()):
            if expires > time.monotonic():
                try:
                    await self._changed(conversation_id, "return", field, value)
                except RedisError:
                    return  # Redis still away: keep them for the next time
                logger.info("gave back ticket %s=%s of conversation %s", field, value,
                            conversation_id)
            # another turn of this process may have given it back meanwhile
            self._unreturned.pop((conversation_id, field, value), None)


# what Rasa's RedisLockStore sets on its client (besides the connection class, for SSL)
_CLIENT_SETTINGS = ("host", "port", "db", "username", "password", "socket_timeout",
                    "ssl_keyfile", "ssl_certfile", "ssl_cert_reqs", "ssl_ca_certs")


def _asyncio_client_like(client: redis.Redis) -> aioredis.Redis:
    """An asyncio client to the Redis ``client`` connects to, with its settings."""
    pool = client.connection_pool
    settings = {key: value for key, value in pool.connection_kwargs.items()
                if key in _CLIENT_SETTINGS}
    return aioredis.Redis(**settings, ssl=issubclass(pool.connection_class, redis.SSLConnection))


def _unreachable(error: Exception) -> bool:
    """Redis did not answer (Rasa wraps that in a LockError when taking a ticket)."""
    return isinstance(error, RedisError) or (
        isinstance(error, LockError) and isinstance(error.__context__, RedisError))
