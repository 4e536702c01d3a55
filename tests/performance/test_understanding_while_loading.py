"""bot/patches/understanding.py: a message is understood while its conversation loads, and the
turn goes on as Rasa's does; a model whose understanding reads the conversation, a message that
comes parsed and a failed understanding keep Rasa's behaviour."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest
from rasa.core.channels.channel import UserMessage
from rasa.engine.constants import PLACEHOLDER_MESSAGE, PLACEHOLDER_TRACKER

from bot.patches.understanding import log_message_understood_while_loading

PARSED = {"text": "hello", "intent": {"name": "greet", "confidence": 1.0}, "entities": []}


class Processor:
    """The parts of Rasa's MessageProcessor the patch uses, recording the order of the steps.
    The load waits for its database as the windowed store's does: in a worker thread."""

    def __init__(self, nlu_needs: dict[str, str], fail_understanding: bool = False) -> None:
        nodes = {"nlu": SimpleNamespace(needs=nlu_needs),
                 "tokens": SimpleNamespace(needs={"messages": PLACEHOLDER_MESSAGE})}
        self.model_metadata = SimpleNamespace(predict_schema=SimpleNamespace(nodes=nodes),
                                              nlu_target="nlu")
        self.http_interpreter = None
        self.fail_understanding = fail_understanding
        self.steps: list[str] = []
        self.handled: list[tuple[UserMessage, Any]] = []
        self.load_finished = False

    async def fetch_tracker_and_update_session(self, sender_id: str, *_: Any) -> Any:
        self.steps.append("load starts")
        await asyncio.to_thread(lambda: __import__("time").sleep(0.05))
        self.steps.append("load ends")
        self.load_finished = True
        return SimpleNamespace(sender_id=sender_id)

    async def parse_message(self, message: UserMessage, tracker: Any = None) -> dict[str, Any]:
        self.steps.append(f"understand (tracker given: {tracker is not None})")
        if self.fail_understanding:
            raise RuntimeError("the model failed")
        return dict(PARSED)

    async def _handle_message_with_tracker(self, message: UserMessage, tracker: Any) -> None:
        if message.parse_data is None:  # Rasa's own path parses here, with the tracker
            message = UserMessage(message.text, parse_data=await self.parse_message(
                message, tracker), sender_id=message.sender_id)
        self.handled.append((message, tracker))

    async def save_tracker(self, tracker: Any) -> None:
        self.steps.append("save")


async def test_the_message_is_understood_while_its_conversation_loads() -> None:
    processor = Processor({"messages": "tokens"})
    message = UserMessage("hello", sender_id="c1")
    tracker = await log_message_understood_while_loading(processor, message)
    # understood after the load started and before it ended, without the conversation
    assert processor.steps == ["load starts", "understand (tracker given: False)", "load ends",
                               "save"]
    [(handled, handled_with)] = processor.handled
    assert handled.parse_data == PARSED and handled.text == "hello"
    assert handled_with is tracker and tracker.sender_id == "c1"
    assert message.parse_data is None  # the caller's message is not changed


async def test_understanding_that_reads_the_conversation_waits_for_it() -> None:
    processor = Processor({"messages": "tokens", "tracker": PLACEHOLDER_TRACKER})
    await log_message_understood_while_loading(processor, UserMessage("hello", sender_id="c2"),
                                               should_save_tracker=False)
    assert processor.steps == ["load starts", "load ends", "understand (tracker given: True)"]


async def test_a_message_that_comes_parsed_is_not_understood_again() -> None:
    processor = Processor({"messages": "tokens"})
    message = UserMessage("/greet", parse_data=dict(PARSED), sender_id="c3")
    await log_message_understood_while_loading(processor, message, should_save_tracker=False)
    assert processor.steps == ["load starts", "load ends"]
    assert processor.handled[0][0] is message


async def test_a_failed_understanding_fails_the_turn_and_leaves_no_load_behind() -> None:
    processor = Processor({"messages": "tokens"}, fail_understanding=True)
    with pytest.raises(RuntimeError, match="the model failed"):
        await log_message_understood_while_loading(processor, UserMessage("hi", sender_id="c4"))
    assert not processor.handled and "save" not in processor.steps
    # the load was cancelled and awaited: nothing of it is still running
    assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []
