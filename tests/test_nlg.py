"""Domain responses rendered inside the Rasa server in the user's language (bot/nlg.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.core.agent import Agent
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

import bot.nlg
from bot.language import EN, HANS, HANT
from bot.nlg import DomainResponseGenerator, ResponseTemplates

DOMAIN_DIR = Path(__file__).resolve().parent.parent / "domain"


@pytest.fixture(scope="module")
def rasa_domain() -> Domain:
    return Domain.load(str(DOMAIN_DIR))


@pytest.fixture(scope="module")
def templates(rasa_domain: Domain) -> ResponseTemplates:
    return ResponseTemplates(rasa_domain.responses)


def test_every_response_has_chinese_and_english(templates: ResponseTemplates) -> None:
    for name, variants in templates.responses.items():
        languages = {(v.get("metadata") or {}).get("lang", "zh") for v in variants}
        assert languages == {"zh", "en"}, name


def test_chinese_is_converted_for_traditional_readers(templates: ResponseTemplates) -> None:
    rendered = templates.render("utter_greet", HANT, {})
    assert rendered["text"].startswith("你好！我是江門“跨境通辦”助手。")
    assert [b["title"] for b in rendered["buttons"]][2] == "預約視像辦"
    assert rendered["buttons"][2]["payload"] == "/book_video_service"


def test_simplified_and_english_variants(templates: ResponseTemplates) -> None:
    assert templates.render("utter_goodbye", HANS, {})["text"].startswith("再见")
    assert templates.render("utter_goodbye", EN, {})["text"].startswith("Goodbye")


def test_unknown_response_is_an_apology_not_silence(templates: ResponseTemplates) -> None:
    assert "12345" in templates.render("utter_nonexistent", HANT, {})["text"]


async def test_rasa_loads_the_generator_named_in_endpoints_before_the_model(
        rasa_domain: Domain) -> None:
    agent = Agent(generator=EndpointConfig(type="bot.nlg.DomainResponseGenerator"))
    assert isinstance(agent.nlg, DomainResponseGenerator)
    # what Agent.load_model does with the responses of the model it loads
    assert isinstance(agent.nlg, TemplatedNaturalLanguageGenerator)
    agent.nlg.responses = rasa_domain.responses
    answer = await agent.nlg.generate("utter_goodbye", _tracker(rasa_domain, "bye"), "rest")
    assert answer["text"].startswith("Goodbye")


def _tracker(rasa_domain: Domain, *texts: str) -> DialogueStateTracker:
    tracker = DialogueStateTracker("someone", rasa_domain.slots)
    for text in texts:
        tracker.update(UserUttered(text, {"name": "greet", "confidence": 1.0}))
        tracker.update(ActionExecuted("utter_greet"))
    return tracker


async def test_the_reply_is_in_the_script_of_the_users_latest_telling_message(
        rasa_domain: Domain) -> None:
    generator = DomainResponseGenerator(domain=rasa_domain)
    tracker = _tracker(rasa_domain, "hello there", "你好，我想问问")
    answer = await generator.generate("utter_goodbye", tracker, "rest",
                                      domain_responses=rasa_domain.responses)
    assert answer["text"].startswith("再见")
    tracker.update(UserUttered("ok"))  # says nothing about language: keeps Simplified
    assert (await generator.generate("utter_goodbye", tracker, "rest"))["text"].startswith("再见")


async def test_the_language_is_decided_once_per_user_message(
        rasa_domain: Domain, monkeypatch: pytest.MonkeyPatch) -> None:
    decisions = []

    def counting(messages):
        decisions.append(1)
        return HANT

    monkeypatch.setattr(bot.nlg, "reply_language", counting)
    generator = DomainResponseGenerator(domain=rasa_domain)
    tracker = _tracker(rasa_domain, "你好")
    await generator.generate("utter_greet", tracker, "rest")
    await generator.generate("utter_anything_else", tracker, "rest")
    assert len(decisions) == 1
    tracker.update(UserUttered("多謝"))
    await generator.generate("utter_thank", tracker, "rest")
    assert len(decisions) == 2
