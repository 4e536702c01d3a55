"""The NLG endpoint answers in the language of the tracker it is sent (bot.nlg.render_request, what
POST /nlg returns): Simplified, English, Traditional, and an explicit widget choice."""

from __future__ import annotations

from typing import Any

import pytest

from bot.nlg import ResponseTemplates, render_request


def request(response: str, *messages: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    """Rasa's /nlg request body: the response name and the tracker with these user messages."""
    events: list[dict[str, Any]] = [{"event": "action", "name": "action_listen"}]
    for text, metadata in messages:
        events += [{"event": "user", "text": text, "metadata": metadata,
                    "parse_data": {"intent": {"name": "greet"}}},
                   {"event": "action", "name": "action_listen"}]
    return {"response": response, "arguments": {}, "channel": {"name": "rest"},
            "tracker": {"sender_id": "someone", "slots": {}, "events": events}}


@pytest.fixture(scope="module")
def templates() -> ResponseTemplates:
    return ResponseTemplates()


def test_a_simplified_tracker_gets_simplified(templates: ResponseTemplates) -> None:
    rendered = render_request(templates, request("utter_greet", ("你好，我想问一下公积金", {})))
    assert rendered["text"].startswith("你好！我是江门“跨境通办”助手")
    assert [b["title"] for b in rendered["buttons"]][2] == "预约视频办"


def test_simplified_with_cantonese_particles_stays_simplified(templates: ResponseTemplates
                                                               ) -> None:
    rendered = render_request(templates, request("utter_goodbye", ("唔该晒 我走先喇", {})))
    assert rendered["text"].startswith("再见！")


def test_an_english_tracker_gets_english(templates: ResponseTemplates) -> None:
    rendered = render_request(templates, request(
        "utter_greet", ("你好", {}), ("hi, I need help with my flat", {})))
    assert rendered["text"].startswith("Hello! I'm the Jiangmen cross-border service assistant")
    assert rendered["buttons"][2]["title"] == "Book a video session"


def test_short_english_gets_english(templates: ResponseTemplates) -> None:
    assert render_request(templates, request("utter_goodbye", ("ok", {})))["text"].startswith(
        "Goodbye")


def test_traditional_and_the_default(templates: ResponseTemplates) -> None:
    assert render_request(templates, request("utter_goodbye", ("唔該晒，拜拜", {})))[
        "text"].startswith("再見！")
    assert render_request(templates, request("utter_goodbye"))["text"].startswith("再見！")


def test_the_widgets_explicit_choice_wins(templates: ResponseTemplates) -> None:
    rendered = render_request(templates, request("utter_goodbye", ("我想問下", {"lang": "zh-Hans"})))
    assert rendered["text"].startswith("再见！")
    rendered = render_request(templates, request("utter_goodbye", ("物业登记", {"lang": "en"})))
    assert rendered["text"].startswith("Goodbye")
