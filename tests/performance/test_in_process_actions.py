"""The actions the Rasa process runs itself (bot/in_process_actions.py): only those that read
nothing but the turn and the catalog, answered as the action server answers them, and called
without the network."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest
import requests
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from rasa.utils.endpoints import EndpointConfig

from bot import in_process_actions, patches
from bot.patches.sessions import close_kept_sessions
from bot.stack import Stack

# what needs the action server: the booking API's token, the centre's database
STAYS_ON_THE_ACTION_SERVER = (
    "validate_video_booking_form", "validate_booking_lookup_form", "action_submit_booking",
    "action_booking_lookup", "action_stop_booking", "action_submit_callback",
    "action_record_rating", "validate_callback_form", "validate_rating_comment_form")


def _call(action: str, text: str, intent: str, entities: list[dict[str, Any]] | None = None,
          earlier: list[Any] | None = None, after: list[Any] | None = None) -> dict[str, Any]:
    """The body Rasa sends the action endpoint for ``action`` after the user wrote ``text``."""
    domain = Domain.load("domain")
    tracker = DialogueStateTracker.from_events("in-process", [
        ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen"),
        *(earlier or []),
        UserUttered(text, {"name": intent, "confidence": 0.9}, entities or [],
                    parse_data={"intent": {"name": intent, "confidence": 0.9},
                                "entities": entities or [], "text": text}),
        *(after or [])],
        domain.slots)
    return {"next_action": action, "sender_id": tracker.sender_id,
            "tracker": tracker.current_state(EventVerbosity.ALL), "version": "3.6.21"}


CALLS = [
    _call("action_answer_eligibility", "物業登記使唔使親身去", "ask_eligibility",
          [{"entity": "service", "value": "property_registration", "start": 0, "end": 4}]),
    _call("action_answer_materials", "what do I need for a marriage registration",
          "ask_materials", [{"entity": "service", "value": "marriage_registration",
                             "start": 20, "end": 41}]),
    _call("action_find_service_point", "澳门有咩服务点", "find_service_point",
          [{"entity": "region", "value": "macau", "start": 0, "end": 2}]),
    _call("action_list_services", "有咩可以辦", "list_services"),
    _call("action_greet", "你好", "greet"),
    _call("action_out_of_scope", "今日天氣點", "out_of_scope"),
    _call("action_show_more", "/show_more", "show_more", earlier=[
        BotUttered("first page", metadata={"more": {"id": "abc", "pages": [
            {"text": "second page", "buttons": []}]}}), ActionExecuted("action_listen")]),
    _call("action_offer_rating", "多謝，拜拜", "goodbye", after=[
        SlotSet("service", "marriage_registration"), ActionExecuted("utter_goodbye")]),
    _call("action_ask_callback_consent", "我想搵真人", "human_handoff"),
    _call("action_ask_rating_comment", "1", "rate", earlier=[SlotSet("rating_id", 7)]),
    _call("action_submit_rating_comment", "等太耐", "inform", earlier=[
        SlotSet("rating_id", 7), SlotSet("rating_value", 1), SlotSet("rating_comment", "given")]),
]


def test_only_actions_that_read_the_turn_and_the_catalog_run_here() -> None:
    here = set(in_process_actions.executor().actions)
    assert {call["next_action"] for call in CALLS} <= here
    assert not here & set(STAYS_ON_THE_ACTION_SERVER)
    for action in here:  # each is defined in one of the modules, none imported into them
        module = type(in_process_actions.executor().actions[action].__self__).__module__
        assert module in in_process_actions.MODULES, action


def test_a_call_of_an_action_run_here_never_reaches_the_network() -> None:
    patches.apply_all()
    nowhere = EndpointConfig("http://127.0.0.1:9/webhook")  # the discard port: nothing listens

    async def both() -> tuple[Any, Exception]:
        answered = await nowhere.request(json=CALLS[0], method="post", timeout=5)
        remote = dict(CALLS[0], next_action="action_submit_booking")
        try:
            await nowhere.request(json=remote, method="post", timeout=5)
        except Exception as error:  # the action server's actions still go to it
            return answered, error
        finally:
            await close_kept_sessions()
        raise AssertionError("a call for the action server was answered here")

    answered, error = asyncio.run(both())
    assert answered["responses"][0]["text"].startswith("不動產登記")
    assert isinstance(error, aiohttp.ClientConnectorError)


@pytest.mark.stack
def test_the_answers_are_the_action_servers(stack: Stack) -> None:
    for call in CALLS:
        served = requests.post(f"{stack.action_url}/webhook", params={"token": stack.action_token},
                               json=call, timeout=30)
        assert served.status_code == 200, served.text
        assert asyncio.run(in_process_actions.run_here(call)) == served.json(), call["next_action"]
