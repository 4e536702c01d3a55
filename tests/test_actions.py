"""Custom actions with a real rasa_sdk Tracker and CollectingDispatcher."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import ActionExecutor, CollectingDispatcher

from actions.fallback import ActionFallback, ActionOutOfScope
from actions.points import ActionFindServicePoint, ActionHumanHandoff
from actions.services import (
    ActionAnswerEligibility,
    ActionAnswerMaterials,
    ActionHandleInform,
    ActionListServices,
)


async def run(action: Any, tracker: Any, domain: dict[str, Any]
              ) -> tuple[list[Any], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, domain)
    return events, dispatcher.messages


def payloads(message: dict[str, Any]) -> list[str]:
    return [button["payload"] for button in message.get("buttons") or []]


def service_entity(value: str) -> list[dict[str, Any]]:
    return [{"entity": "service", "value": value}]


def test_every_domain_action_is_served(domain: dict[str, Any]) -> None:
    executor = ActionExecutor()
    executor.register_package("actions")
    # an action that gets the domain is listed as {name: {send_domain: true}}
    names = {next(iter(action)) if isinstance(action, dict) else action
             for action in domain["actions"]}
    custom = {name for name in names if not name.startswith("utter_")}
    assert custom == set(executor.actions)


async def test_cantonese_eligibility_in_traditional_with_next_steps(make_tracker, domain) -> None:
    tracker = make_tracker("我喺香港，可唔可以辦江門嘅物業登記？", "ask_eligibility",
                           [{"entity": "region", "value": "hong_kong"},
                            *service_entity("property_registration")])
    events, (message,) = await run(ActionAnswerEligibility(), tracker, domain)
    text = message["text"]
    assert text.startswith("不動產登記\n主管：江門市自然資源局（據中新社報道）")
    assert "港澳“跨境通辦”專區：可以（據中新社報道）" in text
    assert "你在香港" in text
    assert "以官方公佈為準" in text  # inferred facts say so
    later = "\n".join(page["text"] for page in message["more"]["pages"])
    assert "+86 750 12345" in later and "未經官方確認" in later  # dialling, with its caveat
    assert payloads(message)[:-1] == [
        '/ask_materials{"service":"property_registration"}',
        '/find_service_point{"service":"property_registration","region":"hong_kong"}',
        '/book_video_service{"service":"property_registration"}',
        "/human_handoff"]
    assert SlotSet("service", "property_registration") in events


async def test_english_question_in_person_with_reason(make_tracker, domain) -> None:
    tracker = make_tracker("Do I need to go to Jiangmen in person for marriage registration?",
                           "ask_eligibility", service_entity("marriage_registration"))
    _, (message,) = await run(ActionAnswerEligibility(), tracker, domain)
    assert "Must be done in person: Under Article 1049 of the Civil Code" in message["text"]
    assert "以官方公布为准" not in message["text"]  # verified from its sources
    assert '/book_video_service{"service":"marriage_registration"}' not in payloads(message)


async def test_simplified_question_with_the_entities_nlu_found(make_tracker, domain) -> None:
    tracker = make_tracker("澳门居民可以跨境办理公积金提取吗", "ask_eligibility",
                           [{"entity": "region", "value": "macau"},
                            *service_entity("provident_fund_withdrawal")])
    _, (message,) = await run(ActionAnswerEligibility(), tracker, domain)
    assert message["text"].startswith("住房公积金提取")
    assert "以官方公布为准" in message["text"]


async def test_unknown_service_says_so_and_offers_routes(make_tracker, domain) -> None:
    tracker = make_tracker("我想辦護照，可唔可以喺香港辦？", "ask_eligibility",
                           [{"entity": "unlisted", "value": "passport", "start": 3, "end": 5},
                            {"entity": "region", "value": "hong_kong", "start": 11, "end": 13}])
    _, (message,) = await run(ActionAnswerEligibility(), tracker, domain)
    assert message["text"].startswith("“護照”不在我的業務清單裏")
    assert "12345" in message["text"]
    assert payloads(message) == ["/human_handoff", "/list_services"]


async def test_no_service_named_asks_which_and_remembers(make_tracker, domain) -> None:
    tracker = make_tracker("可唔可以跨境辦？", "ask_materials")
    events, (message,) = await run(ActionAnswerMaterials(), tracker, domain)
    assert "你想了解哪項業務" in message["text"]
    assert SlotSet("pending_question", "ask_materials") in events


async def test_a_bare_answer_continues_the_pending_question(make_tracker, domain) -> None:
    tracker = make_tracker("物業登記", "inform", service_entity("property_registration"),
                           slots={"pending_question": "ask_materials"},
                           history=[("可唔可以跨境辦？", "ask_materials")])
    events, (message,) = await run(ActionHandleInform(), tracker, domain)
    assert message["text"].startswith(
        "辦理“不動產登記”一般需要（推斷）：\n1. 港澳居民來往內地通行證（回鄉證）")
    assert SlotSet("pending_question", None) in events


async def test_follow_up_uses_the_last_service(make_tracker, domain) -> None:
    tracker = make_tracker("要帶咩文件？", "ask_materials",
                           slots={"service": "marriage_registration"})
    _, (message,) = await run(ActionAnswerMaterials(), tracker, domain)
    assert "結婚登記" in message["text"].splitlines()[0]
    assert "請帶齊原件本人到場辦理。" in message["text"]


async def test_hong_kong_mpf_is_explained_not_answered(make_tracker, domain) -> None:
    tracker = make_tracker("我想提取強積金，可唔可以喺江門辦？", "ask_eligibility")
    _, (message,) = await run(ActionAnswerEligibility(), tracker, domain)
    assert "強積金是香港的退休保障制度" in message["text"]
    assert payloads(message)[0] == (
        '/list_services{"category":"provident_fund","system":"mainland"}')


async def test_ambiguous_provident_fund_asks_which_system(make_tracker, domain) -> None:
    tracker = make_tracker("我想攞返啲公積金", "ask_eligibility")
    _, (message,) = await run(ActionAnswerEligibility(), tracker, domain)
    assert "可能指不同的制度" in message["text"]
    assert '/ask_eligibility{"system":"hk_mpf"}' in payloads(message)


async def test_choosing_mainland_answers_the_mainland_service(make_tracker, domain) -> None:
    tracker = make_tracker('/ask_eligibility{"service":"provident_fund_withdrawal",'
                           '"system":"mainland"}', "ask_eligibility",
                           [*service_entity("provident_fund_withdrawal"),
                            {"entity": "system", "value": "mainland"}],
                           history=[("我想攞返啲公積金", "ask_eligibility")])
    _, (message,) = await run(ActionAnswerEligibility(), tracker, domain)
    assert message["text"].startswith("住房公積金提取")  # Traditional: from the earlier message


async def test_browse_categories_then_a_page(make_tracker, domain) -> None:
    tracker = make_tracker("在澳门可以办江门哪些业务", "list_services",
                           [{"entity": "region", "value": "macau"}])
    _, (message,) = await run(ActionListServices(), tracker, domain)
    assert message["text"].startswith("江门官方公布：港澳居民可“零出关”办理江门500余项高频政务服务（2023年）")
    assert '/list_services{"category":"social_insurance"}' in payloads(message)

    page_two = make_tracker('/list_services{"category":"social_insurance","page":"2"}',
                            "list_services", [{"entity": "category", "value": "social_insurance"},
                                              {"entity": "page", "value": "2"}],
                            history=[("在澳门可以办江门哪些业务", "list_services")])
    _, (message,) = await run(ActionListServices(), page_two, domain)
    assert "第2/" in message["text"]
    assert '/list_services{"category":"social_insurance","page":"1"}' in payloads(message)


async def test_service_points_by_region_never_invent_details(make_tracker, domain) -> None:
    tracker = make_tracker("澳門嘅服務點喺邊度", "find_service_point",
                           [{"entity": "region", "value": "macau"}])
    _, (message,) = await run(ActionFindServicePoint(), tracker, domain)
    assert "澳門江門同鄉會" in message["text"]
    assert "地址：未公佈" in message["text"] and "開放時間、電話：未公佈" in message["text"]
    assert "不作猜測" in message["text"]


async def test_service_point_without_region_asks_where(make_tracker, domain) -> None:
    tracker = make_tracker("where is the nearest service point", "find_service_point")
    events, (message,) = await run(ActionFindServicePoint(), tracker, domain)
    assert message["text"] == "Where would you like to find a service point?"
    assert SlotSet("pending_question", "find_service_point") in events
    answer = make_tracker("Macau", "inform", [{"entity": "region", "value": "macau"}],
                          slots={"pending_question": "find_service_point"},
                          history=[("where is the nearest service point", "find_service_point")])
    _, (message,) = await run(ActionHandleInform(), answer, domain)
    assert message["text"].startswith("Service points in Macau:")


async def test_the_municipal_hall_by_name(make_tracker, domain) -> None:
    tracker = make_tracker("江门市行政服务中心几点开门", "find_service_point")
    _, (message,) = await run(ActionFindServicePoint(), tracker, domain)
    assert "地址：江门市蓬江区堤西路88号" in message["text"]
    assert "开放时间、电话：未公布" in message["text"]


async def test_human_routes_with_dialling_from_hong_kong(make_tracker, domain) -> None:
    tracker = make_tracker("我想搵真人", "human_handoff", slots={"region": "hong_kong"})
    _, (message,) = await run(ActionHumanHandoff(), tracker, domain)
    assert "+86 750 12345" in message["text"]
    assert "視像辦：與工作人員視像辦理" in message["text"]
    assert payloads(message)[0] == "/book_video_service"


async def test_out_of_scope_gets_the_domain_response(make_tracker, domain) -> None:
    tracker = make_tracker("今日天氣點", "out_of_scope")
    _, (message,) = await run(ActionOutOfScope(), tracker, domain)
    assert message["response"] == "utter_out_of_scope"


async def test_fallback_still_answers_a_recognised_service(make_tracker, domain) -> None:
    tracker = make_tracker("回鄉證", "nlu_fallback", service_entity("home_return_permit"))
    _, (message,) = await run(ActionFallback(), tracker, domain)
    assert "江門不受理此事項" in message["text"]


async def test_a_failure_is_an_honest_message_with_a_retry(make_tracker, domain,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: Any) -> None:
        raise RuntimeError("catalog unavailable")

    monkeypatch.setattr(ActionAnswerEligibility, "decide", staticmethod(broken))
    tracker = make_tracker("物業登記可唔可以網上辦", "ask_eligibility")
    events, (message,) = await run(ActionAnswerEligibility(), tracker, domain)
    assert events == []
    assert "你的問題沒有丟失" in message["text"]
    assert payloads(message) == ["物業登記可唔可以網上辦", "/human_handoff"]


def test_the_turn_keeps_the_script_the_nlu_recorded(make_tracker,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.dialogue.turn
    from actions.base import turn_of

    tracker = make_tracker("すみません", "nlu_fallback")
    tracker.latest_message["script"] = "ja"  # what ChineseNormaliser recorded
    monkeypatch.setattr(bot.dialogue.turn, "detect_script", lambda text: pytest.fail(
        f"the script of {text!r} was detected again"))
    assert turn_of(tracker).script == "ja"
    monkeypatch.undo()
    del tracker.latest_message["script"]  # a turn the NLU did not read: detected from the text
    assert turn_of(tracker).script == "ja"
