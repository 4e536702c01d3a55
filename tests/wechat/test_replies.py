"""The bot's messages as WeChat text, WeChat messages as the bot's input, and the menu file."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from wechatpy import parse_message

from bot.channels.wechat.inbound import Forget, Ignore, Say, ToRasa, interpret, location_payload
from bot.channels.wechat.menu import MENU_FILE, MenuError, check_menu, click_payloads, load_menu
from bot.channels.wechat.replies import build_answer, split_utf8
from bot.channels.wechat.simulator import WeChatSimulator, to_xml
from bot.channels.wechat.store import WeChatStore
from bot.state import MemoryState
from tests.wechat.conftest import openid

SIM = WeChatSimulator("http://127.0.0.1:1", "token")


@pytest.mark.parametrize("text", [
    "江門" * 2000,                                   # 3-byte characters, no line breaks
    "🙂a" * 900,                                      # 4-byte characters
    "\n".join(f"• 第{n}項：不動產登記，可以不出關辦理" for n in range(200)),
    "short"])
def test_split_on_utf8_and_line_boundaries(text: str) -> None:
    parts = split_utf8(text, 2048)
    assert all(0 < len(part.encode("utf-8")) <= 2048 for part in parts)
    assert "".join(parts).replace("\n", "") == text.replace("\n", "")
    if "\n" in text:  # whole lines stay together
        assert all(part.endswith("辦理") for part in parts)


def test_buttons_become_numbered_options_in_the_answers_script() -> None:
    messages = [{"text": "你想找哪裏的服務點？", "buttons": [
        {"title": "香港", "payload": '/find_service_point{"region":"hong_kong"}'},
        {"title": "澳門", "payload": '/find_service_point{"region":"macau"}'}]},
        {"text": "或者：", "buttons": [{"title": "聯繫人工", "payload": "/human_handoff"}]}]
    answer = build_answer(messages, None)
    assert answer.language == "zh-Hant" and len(answer.parts) == 1
    assert answer.parts[0] == ("你想找哪裏的服務點？\n回覆 1：香港\n回覆 2：澳門\n\n"
                               "或者：\n回覆 3：聯繫人工")
    assert answer.options["3"] == "/human_handoff"
    english = build_answer([{"text": "Where?", "buttons": [{"title": "Macau", "payload": "/m"}]}],
                           "zh-Hant")
    assert english.parts == ["Where?\nReply 1: Macau"]
    simplified = build_answer([{"text": "你想找哪里的服务点？", "buttons": [
        {"title": "澳门", "payload": "/m"}]}], None)
    assert simplified.parts[0].endswith("回复 1：澳门")


def test_a_long_answer_is_split_with_room_for_a_note() -> None:
    answer = build_answer([{"text": "江門不動產登記。" * 400}], None)
    assert len(answer.parts) > 1
    assert all(len(part.encode("utf-8")) <= 2048 - 160 for part in answer.parts)


def test_location_payload_is_contract_2() -> None:
    assert location_payload("22.58", "113.08") == \
        '/share_location{"latitude": 22.58, "longitude": 113.08}'
    assert location_payload("91", "0") is None and location_payload("x", "1") is None


def _message(fields: dict[str, Any]) -> Any:
    return parse_message(to_xml(fields))


async def test_what_each_message_means() -> None:
    store, user = WeChatStore(MemoryState()), openid()
    menu = click_payloads(load_menu())
    await store.set_options(user, {"1": "/list_services", "2": "/human_handoff"})
    cases = [
        (SIM.text(user, "點樣辦社保證明"), ToRasa("點樣辦社保證明")),
        (SIM.text(user, "２"), ToRasa("/human_handoff")),       # full-width digits too
        (SIM.text(user, "7"), ToRasa("7")),                     # no such option: as typed
        (SIM.text(user, "   "), Say("please_type")),
        (SIM.text(user, "辦" * 2001), Say("too_long", hint="辦" * 2001)),
        (SIM.voice(user, "我想預約視像辦"), ToRasa("我想預約視像辦")),
        (SIM.voice(user, ""), Say("voice_unclear")),
        (SIM.voice(user, None), Say("voice_unclear")),
        (SIM.location(user, 22.58, 113.08),
         ToRasa('/share_location{"latitude": 22.58, "longitude": 113.08}')),
        (SIM.image(user), Say("please_type")),
        (SIM.event(user, "subscribe"), ToRasa("/greet", window="event")),
        (SIM.event(user, "subscribe", "qrscene_poster1"), ToRasa("/greet", window="event")),
        (SIM.event(user, "unsubscribe"), Forget()),
        (SIM.event(user, "CLICK", "find_service_point"),
         ToRasa("/find_service_point", window="event")),
        (SIM.event(user, "CLICK", "/restart"), Ignore()),       # only the menu's own keys
        (SIM.event(user, "VIEW", "https://example.org"), Ignore()),
        (SIM.event(user, "LOCATION"), Ignore()),
    ]
    for fields, expected in cases:
        assert await interpret(_message(fields), store, menu) == expected, fields


def test_the_shipped_menu_follows_wechats_rules_and_names_real_intents(
        domain: dict[str, Any]) -> None:
    payloads = click_payloads(load_menu(MENU_FILE))
    assert payloads and all(payload.lstrip("/") in domain["intents"]
                            for payload in payloads.values())


@pytest.mark.parametrize("breakage", [
    lambda m: m["button"].append({"type": "click", "name": "多", "key": "x"}),
    lambda m: m["button"][0]["sub_button"].extend([{"type": "click", "name": "a", "key": "k"}] * 3),
    lambda m: m["button"][2].update(name="人工服務熱線電話"),
    lambda m: m["button"][2].update(key=""),
    lambda m: m["button"][2].update(type="teleport"),
    lambda m: m["button"][0]["sub_button"][0].update(key="human_handoff"),
])
def test_a_broken_menu_is_refused(breakage: Any) -> None:
    menu = copy.deepcopy(load_menu())
    breakage(menu)
    with pytest.raises(MenuError):
        check_menu(menu)
