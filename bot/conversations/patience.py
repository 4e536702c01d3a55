"""Riding out a short outage of a store (PostgreSQL, Redis) without blocking the server: the call
is tried again every half second until it works or the wait is over, then fails as it would have.

A PostgreSQL or Redis restart takes a few seconds; a turn answered a few seconds late, in
context, beats one answered out of context or with an apology.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Callable
from typing import Any

from bot.turns import waiting_elsewhere

logger = logging.getLogger(__name__)

OUTAGE_WAIT = 8.0
POLL_SECONDS = 0.5


async def patiently(attempt: Callable[[], Any], unreachable: Callable[[Exception], bool],
                    wait: float = OUTAGE_WAIT) -> Any:
    """``attempt()`` (awaited if it returns an awaitable), tried again while it fails with an
    error ``unreachable`` says is an outage, for up to ``wait`` seconds."""
    deadline = time.monotonic() + wait
    while True:
        try:
            result = attempt()
            return await result if inspect.isawaitable(result) else result
        except Exception as error:
            if not unreachable(error) or time.monotonic() > deadline:
                raise
            logger.warning("store unreachable, trying again: %s", str(error).splitlines()[0])
            # other turns of the process go on meanwhile (bot.turns)
            await waiting_elsewhere(asyncio.sleep(POLL_SECONDS))
