"""Blocking work (a database call) from an event loop: it runs in a worker thread, so the loop
never waits for it, and the caller stops waiting at a deadline (``asyncio.TimeoutError``) instead
of hanging with it; the thread then finishes on its own."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

# what the centre's database gets (actions, the notifier, the staff desk) unless a caller says
DEADLINE_SECONDS = 3.0
T = TypeVar("T")


async def off_loop(function: Callable[..., T], *args: Any,
                   deadline: float = DEADLINE_SECONDS) -> T:
    """``function(*args)`` in a worker thread, waited for up to ``deadline`` seconds."""
    return await asyncio.wait_for(asyncio.to_thread(function, *args), deadline)
