"""Which conversations the centre has left a notice for: a flag per conversation in the channel
state that every process shares.

The notices themselves stay in the booking database, behind the action server
(``bot.staff.notices``). Asking for them is an HTTP call from the Rasa server to the action server
before every message: 4 ms of each answer and 4.5 ms of CPU (docs/deploy.md), for notices that
are rare. So the staff desk raises the flag once it has recorded a pending notice
(``bot.staff.notify``), and the Rasa server asks when it takes a flag down
(``bot.channels.notices``). A flag only means something where both see it: in Redis.
"""

from __future__ import annotations

from bot.state import ChannelState, RedisState

PREFIX = "notices:pending:"


def shared(state: ChannelState) -> bool:
    """Whether a flag raised by the staff desk's process is seen by this one."""
    return isinstance(state, RedisState)


async def raise_flag(state: ChannelState, conversation_id: str, ttl: float) -> None:
    await state.set(PREFIX + conversation_id, "1", ttl)


async def take_flag(state: ChannelState, conversation_id: str) -> bool:
    """True when the flag was up; it is down afterwards."""
    return await state.take(PREFIX + conversation_id) is not None
