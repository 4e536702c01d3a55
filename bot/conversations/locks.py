"""Conversation locks for several Rasa replicas: Rasa's Redis lock store, without the stale
tickets a Redis outage leaves behind.

Each turn takes a ticket on its conversation's lock in Redis and gives it back at the end. When
Redis is unreachable at that moment (a restart, a failover), Rasa's store raises and the ticket
stays in Redis, persisted, until its lifetime ends (``TICKET_LOCK_LIFETIME``): the next message
of that conversation, on any replica, waits that long although nobody works on it. And the
error, raised after the turn was answered and saved, turns the answer into an apology.

``RecoveringRedisLockStore`` remembers such a ticket and gives it back as soon as Redis answers
again (before its next ticket, for any conversation); the turn's answer stands. Taking a ticket
while Redis is down still fails, and the user gets the honest "try again" reply.

    lock_store:
      type: bot.conversations.locks.RecoveringRedisLockStore
      url: 127.0.0.1
      port: 6379
      db: 1
      key_prefix: jiangmen
"""

from __future__ import annotations

import logging
import time

from rasa.core.lock_store import LOCK_LIFETIME, RedisLockStore
from rasa.utils.endpoints import EndpointConfig
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


class RecoveringRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: EndpointConfig) -> None:
        # Rasa hands a lock store declared by module path its endpoint config, nothing else
        super().__init__(host=endpoint_config.url, **endpoint_config.kwargs)
        # (conversation id, ticket) -> when the ticket expires by itself anyway
        self._unreturned: dict[tuple[str, int], float] = {}

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        self._return_unreturned()
        return super().issue_ticket(conversation_id, lock_lifetime)

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
