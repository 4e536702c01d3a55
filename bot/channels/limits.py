"""Abuse limits on the public channels: messages per sender and per client address, counted in
fixed windows in the channel state (memory, or Redis shared by every replica).

A channel asks ``allow`` before handing a message to Rasa; a refused message is answered once with
a polite notice and is not queued.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from bot.replies import Phrases
from bot.state import ChannelState, channel_state

# for loads from one loopback address (make bench, the fault tests): the limits are still counted,
# so their cost is measured, but they never refuse
LOAD_TEST_ENVIRONMENT = {"RATE_LIMIT_PER_SENDER": "1000000", "RATE_LIMIT_PER_ADDRESS": "1000000"}


@dataclass(frozen=True)
class Limits:
    window_seconds: float = 60.0
    per_sender: int = int(os.environ.get("RATE_LIMIT_PER_SENDER", "30"))
    per_address: int = int(os.environ.get("RATE_LIMIT_PER_ADDRESS", "120"))


async def allow(channel: str, sender_id: str, address: str | None, limits: Limits = Limits(),
                state: ChannelState | None = None) -> bool:
    """Counts this message; False when the sender or the address is over its limit (a refused
    sender's further messages do not count against its address, shared with others)."""
    state = state or channel_state()
    counters = [(f"rate:{channel}:sender:{sender_id}", limits.per_sender)]
    if address:
        counters.append((f"rate:address:{address}", limits.per_address))
    return await state.count_until_over(counters, limits.window_seconds)


def refusal_notice(language: str) -> str:
    """What a channel answers, in the user's script, to a message over the limit."""
    return Phrases(language)("security.rate_limited")


async def first_refusal(channel: str, sender_id: str, limits: Limits = Limits(),
                        state: ChannelState | None = None) -> bool:
    """True once per window for a refused sender: a flood gets one notice, not one per message."""
    state = state or channel_state()
    return await state.add(f"rate:{channel}:noticed:{sender_id}", "1", limits.window_seconds)
