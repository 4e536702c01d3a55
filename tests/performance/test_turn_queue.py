"""The channels' turn queue (bot.channels.reliable): a few turns at once per process, the rest in
arrival order, and every one of them still answered."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot.channels import reliable

TURNS = 12


class SlowBot:
    """Yields a few times during a turn, as Rasa does around its database and action calls."""

    def __init__(self) -> None:
        self.running = 0
        self.most_at_once = 0
        self.started: list[str] = []

    async def __call__(self, message: UserMessage) -> None:
        self.started.append(message.text)
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        for _ in range(3):
            await asyncio.sleep(0.01)
        self.running -= 1
        await message.output_channel.send_response(message.sender_id, {"text": message.text})


async def _send_all(bot: Any) -> list[CollectingOutputChannel]:
    handle = reliable.never_silent(bot)
    outputs = [CollectingOutputChannel() for _ in range(TURNS)]
    await asyncio.gather(*(handle(UserMessage(f"m{n}", outputs[n], f"sender-{n}"))
                           for n in range(TURNS)))
    return outputs


async def test_a_few_turns_run_at_once_and_the_others_wait_in_arrival_order() -> None:
    bot = SlowBot()
    outputs = await _send_all(bot)
    assert bot.most_at_once == reliable.TURNS_AT_ONCE
    assert bot.started == [f"m{n}" for n in range(TURNS)]
    assert [output.messages[0]["text"] for output in outputs] == [f"m{n}" for n in range(TURNS)]


async def test_a_failed_turn_frees_its_place_and_is_still_answered() -> None:
    async def failing(message: UserMessage) -> None:
        raise RuntimeError("the action server is down")

    outputs = await _send_all(failing)
    assert all(len(output.messages) == 1 for output in outputs)
    bot = SlowBot()  # the failed turns left no place taken
    assert all(output.messages for output in await _send_all(bot))
    assert bot.most_at_once == reliable.TURNS_AT_ONCE


def test_each_event_loop_gets_its_own_queue() -> None:
    """A Sanic worker, or a test, runs its own loop; a semaphore bound to another would fail."""
    for _ in range(2):
        bot = SlowBot()
        asyncio.run(_send_all(bot))
        assert bot.most_at_once == reliable.TURNS_AT_ONCE
