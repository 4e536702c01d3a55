"""Conversation locks for several Rasa replicas: Rasa's Redis lock store, fixed for the two ways
it fails when a replica or Redis goes away.

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
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig
from redis.exceptions import RedisError

from bot.conversations.patience import patiently

logger = logging.getLogger(__name__)


class RecoveringRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: EndpointConfig) -> None:
        # Rasa hands a lock store declared by module path its endpoint config, nothing else
        super().__init__(host=endpoint_config.url, **endpoint_config.kwargs)
        # (conversation id, ticket) -> when the ticket expires by itself anyway
        self._unreturned: dict[tuple[str, int], float] = {}

    @asynccontextmanager
    async def lock(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME,
                   wait_time_in_seconds: float = 1) -> AsyncIterator[TicketLock]:
        ticket = await patiently(lambda: self.issue_ticket(conversation_id, lock_lifetime),
                                 _unreachable)
        try:
            yield await self._wait_for_turn(conversation_id, ticket, lock_lifetime,
                                            wait_time_in_seconds)
        finally:
            self.cleanup(conversation_id, ticket)

    async def _wait_for_turn(self, conversation_id: str, ticket: int, lifetime: float,
                             poll_seconds: float) -> TicketLock:
        """Rasa's ``_acquire_lock``, renewing this turn's own ticket while it waits."""
        while True:
            lock = await patiently(lambda: self.get_lock(conversation_id), _unreachable)
            if lock is None:
                raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")
            if not lock.is_locked(ticket):
                return lock
            await asyncio.sleep(poll_seconds)
            await patiently(lambda: self._renew_and_update(conversation_id, ticket, lifetime),
                            _unreachable)

    def _renew_and_update(self, conversation_id: str, ticket: int, lifetime: float) -> None:
        """Rasa's ``update_lock`` (drop expired tickets), after renewing ``ticket``."""
        lock = self.get_lock(conversation_id)
        if lock is not None:
            for waiting in lock.tickets:
                if waiting.number == ticket:
                    waiting.expires = time.time() + lifetime
            lock.remove_expired_tickets()
            self.save_lock(lock)

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """Rasa's, except that a ticket whose saving failed is given back later: Redis may have
        written it before the connection broke, and nobody else would."""
        self._return_unreturned()
        lock = self.get_or_create_lock(conversation_id)
        ticket = lock.issue_ticket(lock_lifetime)
        try:
            self.save_lock(lock)
        except RedisError:
            self._unreturned[(conversation_id, ticket)] = time.monotonic() + lock_lifetime
            raise
        return ticket

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        try:
            super().cleanup(conversation_id, ticket_number)
        except RedisError as error:
            logger.warning("could not give back ticket %s of conversation %s (%s); giving it "
                           "back when Redis answers", ticket_number, conversation_id, error)
            self._unreturned[(conversation_id, ticket_number)] = time.monotonic() + LOCK_LIFETIME

    def _return_unreturned(self) -> None:
        for (conversation_id, ticket_number), expires in list(self._unreturned.items()):
            if expires > time.monotonic():
                try:
                    super().cleanup(conversation_id, ticket_number)
                except RedisError:
                    return  # Redis still away: keep them for the next time
                logger.info("gave back ticket %s of conversation %s", ticket_number,
                            conversation_id)
            del self._unreturned[(conversation_id, ticket_number)]


def _unreachable(error: Exception) -> bool:
    """Redis did not answer (Rasa wraps that in a LockError when taking a ticket)."""
    return isinstance(error, RedisError) or (
        isinstance(error, LockError) and isinstance(error.__context__, RedisError))
