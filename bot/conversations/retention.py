"""The retention period: every stored event is deleted ``retention_days`` after it was written
(90 by default, ``retention_days`` of the tracker store in endpoints.yml).

The Rasa server purges once at start and then daily (``purge_daily``); operators can also run
``python -m bot.conversations purge`` (e.g. from cron), which reads the same setting.
"""

from __future__ import annotations

import asyncio
import logging
import time

from rasa.core.tracker_store import TrackerStore

from bot.conversations import delete_older_than, underlying_store
from bot.conversations.store import DEFAULT_RETENTION_DAYS

logger = logging.getLogger(__name__)

DAY = 24 * 3600
RETRY_AFTER_FAILURE = 3600.0


def retention_days(tracker_store: TrackerStore) -> int:
    return int(getattr(underlying_store(tracker_store), "retention_days", DEFAULT_RETENTION_DAYS))


async def purge(tracker_store: TrackerStore, days: int | None = None,
                now: float | None = None) -> int:
    """Deletes what is older than ``days`` (default: the store's retention period)."""
    days = days or retention_days(tracker_store)
    return await delete_older_than(tracker_store, (now or time.time()) - days * DAY)


async def purge_daily(tracker_store: TrackerStore, interval: float = DAY) -> None:
    """Runs ``purge`` now and then every ``interval`` seconds, for as long as the server runs."""
    while True:
        try:
            deleted = await purge(tracker_store)
            logger.info("retention: deleted %d stored event(s) older than %d days", deleted,
                        retention_days(tracker_store))
            await asyncio.sleep(interval)
        except TypeError as unsupported:  # an in-memory store keeps nothing past a restart
            logger.info("retention: %s", unsupported)
            return
        except Exception:
            logger.exception("retention: purging old conversations failed; retrying in an hour")
            await asyncio.sleep(RETRY_AFTER_FAILURE)
