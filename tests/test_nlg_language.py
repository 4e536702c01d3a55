"""Domain responses are rendered in the language of the conversation they answer
(bot.nlg.DomainResponseGenerator, inside the Rasa server): Simplified, English, Traditional, and
an explicit widget choice."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.nlg import DomainResponseGenerator

DOMAIN_DIR = Path(__file__).resolve().parent.parent / "domain"


@pytest.fixture(scope="module")
def generator() -> DomainResponseGenerator:
    return DomainResponseGenerator(domain=Domain.load(str(DOMAIN_DIR)))


def tracker(*messages: tuple[str, dict[str, Any]]) -> DialogueStateTracker:
    """A conversation in which the user wrote ``messages`` (text, metadata), oldest first."""
    conversation = DialogueStateTracker("someone", slots=[])
    conversation.update(ActionExecuted("action_listen"))
    for text, metadata in messages:
        conversation.update(UserUttered(text, {"name": "greet", "confidence": 1.0},
                                        metadata=metadata))
        conversation.update(ActionExecuted("action_listen"))
    return conversation


async def render(generator: DomainResponseGenerator, response: str,
                 *messages: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    rendered = await generator.generate(response, tracker(*messages), "rest")
    assert rendered is not None
    return rendered


async def test_a_simplified_tracker_gets_simplified(generator: DomainResponseGenerator) -> None:
    rendered = await render(generator, "utter_greet", ("你好，我想问一下公积金", {}))
    assert rendered["text"].startswith("你好！我是江门“跨境通办”助手")
    assert [b["title"] for b in rendered["buttons"]][2] == "预约视频办"


async def test_simplified_with_cantonese_particles_stays_simplified(
        generator: DomainResponseGenerator) -> None:
    rendered = await render(generator, "utter_goodbye", ("唔该晒 我走先喇", {}))
    assert rendered["text"].startswith("再见！")


async def test_an_english_tracker_gets_english(generator: DomainResponseGenerator) -> None:
    rendered = await render(generator, "utter_greet", ("你好", {}),
                            ("hi, I need help with my flat", {}))
    assert rendered["text"].startswith("Hello! I'm the Jiangmen cross-border service assistant")
    assert rendered["buttons"][2]["title"] == "Book a video session"


async def test_short_english_gets_english(generator: DomainResponseGenerator) -> None:
    assert (await render(generator, "utter_goodbye", ("ok", {})))["text"].startswith("Goodbye")


async def test_traditional_and_the_default(generator: DomainResponseGenerator) -> None:
    assert (await render(generator, "utter_goodbye", ("唔該晒，拜拜", {})))["text"].startswith(
        "再見！")
    assert (await render(generator, "utter_goodbye"))["text"].startswith("再見！")


async def test_the_widgets_explicit_choice_wins(generator: DomainResponseGenerator) -> None:
    rendered = await render(generator, "utter_goodbye", ("我想問下", {"lang": "zh-Hans"}))
    assert rendered["text"].startswith("再见！")
    rendered = await render(generator, "utter_goodbye", ("我想問下", {"lang": "en"}))
    assert rendered["text"].startswith("Goodbye")
