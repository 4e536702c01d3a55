"""The queue in front of a process's turns (bot.turns, through bot.channels.reliable): one
computes at a time, the rest in arrival order; a turn waiting for another server gives its place
up, and so does one whose database call is slow; the turns of one conversation go one after the
other; every one is still answered."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot import turns
from bot.channels import reliable
from bot.conversations import patience

TURNS = 12


class Bot:
    """Yields a few times during a turn, as Rasa does; ``elsewhere`` seconds are spent waiting
    for another server (the action server), as Rasa's patched HTTP calls do."""

    def __init__(self, elsewhere: dict[str, float] | None = None) -> None:
        self.elsewhere = elsewhere or {}
        self.computing = 0
        self.most_computing = 0
        self.events: list[str] = []

    async def __call__(self, message: UserMessage) -> None:
        self.events.append(f"{message.text} starts")
        self.computing += 1
        self.most_computing = max(self.most_computing, self.computing)
        for _ in range(3):
            await asyncio.sleep(0.01)
        self.computing -= 1
        if message.text in self.elsewhere:
            await turns.waiting_elsewhere(asyncio.sleep(self.elsewhere[message.text]))
        self.events.append(f"{message.text} ends")
        await message.output_channel.send_response(message.sender_id, {"text": message.text})


async def _send(bot: Any, messages: list[tuple[str, str]]) -> list[CollectingOutputChannel]:
    handle = reliable.never_silent(bot)
    outputs = [CollectingOutputChannel() for _ in messages]

    async def one(n: int, text: str, sender: str) -> None:
        await asyncio.sleep(0.001 * n)  # they arrive in this order
        await handle(UserMessage(text, outputs[n], sender))

    await asyncio.gather(*(one(n, text, sender) for n, (text, sender) in enumerate(messages)))
    return outputs


def _apart(count: int) -> list[tuple[str, str]]:
    return [(f"m{n}", f"sender-{n}") for n in range(count)]


async def test_a_few_turns_compute_at_once_and_the_others_wait_in_arrival_order() -> None:
    bot = Bot()
    outputs = await _send(bot, _apart(TURNS))
    assert bot.most_computing == turns.TURNS_AT_ONCE
    starts = [event.split()[0] for event in bot.events if event.endswith("starts")]
    assert starts == [f"m{n}" for n in range(TURNS)]
    assert [output.messages[0]["text"] for output in outputs] == starts


async def test_turns_waiting_for_a_slow_server_do_not_hold_up_the_others() -> None:
    """Issue 7: five booking chats on a slow booking service, and an unrelated question."""
    slow = {f"m{n}": 1.0 for n in range(turns.TURNS_AT_ONCE + 1)}
    bot = Bot(elsewhere=slow)
    started = asyncio.get_running_loop().time()
    await _send(bot, _apart(len(slow) + 1))
    question = f"m{len(slow)}"
    assert bot.events.index(f"{question} ends") < bot.events.index("m0 ends")
    assert asyncio.get_running_loop().time() - started < 1.5  # the slow ones waited together


async def test_a_turn_back_from_the_action_server_goes_before_later_arrivals() -> None:
    bot = Bot(elsewhere={"m0": 0.05})
    count = turns.TURNS_AT_ONCE * 4
    await _send(bot, _apart(count))
    assert bot.events.index("m0 ends") < bot.events.index(f"m{count - 1} starts")


async def test_a_turn_back_from_another_server_computes_beside_the_one_holding_the_place() -> None:
    events: list[str] = []

    async def bot(message: UserMessage) -> None:
        if message.text == "m0":
            await turns.waiting_elsewhere(asyncio.sleep(0.02))
        else:  # a long computation, with the awaits Rasa's turn has
            for _ in range(20):
                await asyncio.sleep(0.01)
        events.append(f"{message.text} ends")
        await message.output_channel.send_response(message.sender_id, {"text": message.text})

    await _send(bot, _apart(turns.TURNS_AT_ONCE + 1))
    assert events[0] == "m0 ends"


async def test_one_conversations_turns_go_one_after_the_other_without_holding_places() -> None:
    chatty = [(f"c{n}", "chatty") for n in range(turns.TURNS_AT_ONCE + 2)]
    bot = Bot()
    outputs = await _send(bot, [*chatty, ("other", "someone else")])
    expected = [event for text, _ in chatty for event in (f"{text} starts", f"{text} ends")]
    assert [event for event in bot.events if event.startswith("c")] == expected
    assert bot.events.index("other ends") < bot.events.index("c2 starts")
    assert all(len(output.messages) == 1 for output in outputs)


async def test_a_failed_turn_gives_its_place_back_and_is_still_answered() -> None:
    async def failing(message: UserMessage) -> None:
        raise RuntimeError("the action server is down")

    outputs = await _send(failing, _apart(TURNS))
    assert all(len(output.messages) == 1 for output in outputs)  # the apology
    bot = Bot()
    assert all(output.messages for output in await _send(bot, _apart(TURNS)))
    assert bot.most_computing == turns.TURNS_AT_ONCE  # no place was left taken


class DatabaseBot:
    """Each turn makes one database call of ``took[text]`` seconds (0.001 unless named)."""

    def __init__(self, took: dict[str, float]) -> None:
        self.took = took
        self.events: list[str] = []

    async def __call__(self, message: UserMessage) -> None:
        self.events.append(f"{message.text} starts")
        await turns.waiting_elsewhere_after(HOLD, asyncio.sleep(self.took.get(message.text, 0.001)))
        self.events.append(f"{message.text} ends")
        await message.output_channel.send_response(message.sender_id, {"text": message.text})


HOLD = 0.05


async def test_a_quick_database_call_keeps_its_place() -> None:
    bot = DatabaseBot({})
    count = turns.TURNS_AT_ONCE + 1
    await _send(bot, _apart(count))
    # the last turn starts only when the first has finished: the call kept its place
    assert bot.events.index("m0 ends") < bot.events.index(f"m{count - 1} starts")


async def test_a_database_call_that_hangs_holds_the_others_up_only_for_a_while() -> None:
    hanging = {f"m{n}": 1.0 for n in range(turns.TURNS_AT_ONCE)}
    bot = DatabaseBot(hanging)
    started = asyncio.get_running_loop().time()
    outputs = await _send(bot, _apart(len(hanging) + 1))
    other = f"m{len(hanging)}"
    assert bot.events.index(f"{other} ends") < bot.events.index("m0 ends")
    assert asyncio.get_running_loop().time() - started < 1.5  # the hanging ones waited together
    assert all(len(output.messages) == 1 for output in outputs)


async def test_a_turn_waiting_out_a_store_outage_lets_the_others_go_on() -> None:
    tries: list[float] = []

    def store_away_twice() -> str:
        tries.append(asyncio.get_running_loop().time())
        if len(tries) < 3:
            raise ConnectionError("the store is restarting")
        return "loaded"

    events: list[str] = []

    async def bot(message: UserMessage) -> None:
        if message.text == "m0":
            await patience.patiently(store_away_twice, lambda error: True)
        events.append(f"{message.text} ends")
        await message.output_channel.send_response(message.sender_id, {"text": message.text})

    await _send(bot, _apart(3))
    assert len(tries) == 3
    assert events == ["m1 ends", "m2 ends", "m0 ends"]


def test_each_event_loop_gets_its_own_queue() -> None:
    """A Sanic worker, or a test, runs its own loop; a semaphore bound to another would fail."""
    for _ in range(2):
        bot = Bot()
        asyncio.run(_send(bot, _apart(TURNS)))
        assert bot.most_computing == turns.TURNS_AT_ONCE
