"""The booking forms' actions with a real Tracker and CollectingDispatcher.

HTTP goes to a real booking service on a free port (tests/booking/conftest.py), or to a scripted
stub (tests/booking/stub.py) where a timeout or a 5xx is the point. Slots must never hold a clear
name, phone or ID number: those live in the draft (the channel state).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import booking as booking_actions
from actions.booking import (
    ActionBookingLookup,
    ActionStopBooking,
    ActionSubmitBooking,
    ValidateBookingLookupForm,
    ValidateVideoBookingForm,
)
from bot.booking.conversation import Drafts
from bot.booking.schedule import default_schedule
from tests.booking.conftest import NOW, TOKEN, RunningService, serve_in_thread, start_service
from tests.booking.stub import Answer, StubBookingApi

CLEAR = {"applicant_name": "陳大文", "contact_phone": "+85291234567", "id_number": "A1234563"}
FILLED = {"booking_service": "property_registration", "booking_slot": "2026-12-01T14:30+08:00",
          "applicant_name": "陳**", "contact_phone": "+852 ****4567", "id_type": "hkid",
          "id_number": "****4563", "booking_confirmed": True,
          "booking_idempotency_key": "conversation-key-1", "booking_draft": "draft-filled"}


@pytest.fixture
def api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningService]:
    for running in start_service(tmp_path, default_schedule()):
        point_actions_at(running.url, monkeypatch)
        yield running


@pytest.fixture
def stub(monkeypatch: pytest.MonkeyPatch) -> Iterator[StubBookingApi]:
    scripted = StubBookingApi()
    for url in serve_in_thread(scripted):
        point_actions_at(url, monkeypatch)
        yield scripted


@pytest.fixture(autouse=True)
async def close_booking_client() -> AsyncIterator[None]:
    yield
    if booking_actions.booking_client.cache_info().currsize:
        await booking_actions.booking_client().close()


def point_actions_at(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOOKING_API_URL", url)
    monkeypatch.setenv("BOOKING_API_TOKEN", TOKEN)
    monkeypatch.setenv("BOOKING_API_TIMEOUT", "0.5")
    monkeypatch.setenv("BOOKING_API_DEADLINE", "2")
    monkeypatch.setattr(booking_actions, "beijing_now", lambda: NOW)
    booking_actions.booking_client.cache_clear()


@pytest.fixture
async def filled_draft() -> dict[str, str]:
    await Drafts().update("draft-filled", CLEAR)
    return FILLED


async def run(action: Any, tracker: Any, domain: dict[str, Any]
              ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, domain)
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert not set(CLEAR.values()) & set(map(str, slots.values())), "a clear value in a slot"
    return slots, dispatcher.messages


def form_tracker(make_tracker, text: str, requested: str | None, intent: str = "inform",
                 entities: list[dict[str, Any]] | None = None,
                 form: str = "video_booking_form", **slots: Any) -> Any:
    """As Rasa sends it to the form's validation: the form asked ``requested`` and is active
    (with None, it is being activated), and the conversation ends with Rasa's marker, the slot
    requested and the form's action (``FormAction._temporary_tracker``)."""
    tracker = make_tracker(text, intent, entities, slots={**slots, "requested_slot": requested},
                           form=form if requested else None)
    tracker.events += [{"event": "slot", "name": "requested_slot", "value": requested},
                       {"event": "action", "name": form}]
    return tracker


def texts(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


async def test_a_service_named_before_is_reused(make_tracker, domain, api) -> None:
    tracker = form_tracker(make_tracker, "我想預約視像辦物業登記", None, "book_video_service",
                           [{"entity": "service", "value": "property_registration"}])
    slots, (question,) = await run(ValidateVideoBookingForm(), tracker, domain)
    assert slots["booking_service"] == "property_registration"
    # the validation asks the next question itself
    assert slots["requested_slot"] == "booking_slot" and "請選擇" in question["text"]
    assert question["buttons"][0]["payload"] == slots["booking_slot_choices"][0]


async def test_a_service_that_needs_a_visit_is_explained_not_booked(make_tracker, domain,
                                                                   api) -> None:
    tracker = form_tracker(make_tracker, "結婚登記", "booking_service")
    slots, messages = await run(ValidateVideoBookingForm(), tracker, domain)
    assert slots["booking_service"] is None
    assert messages[0]["text"].startswith("“結婚登記")
    assert "不能通過視像辦理" in messages[0]["text"]
    assert "須本人到場辦理" in messages[1]["text"]  # the channels it can use instead


async def test_a_typed_period_offers_the_free_slots_in_it(make_tracker, domain, api) -> None:
    tracker = form_tracker(make_tracker, "12月2號朝早", "booking_slot",
                           booking_service="property_registration")
    slots, messages = await run(ValidateVideoBookingForm(), tracker, domain)
    assert slots["booking_slot"] is None
    assert slots["booking_slot_choices"][0] == "2026-12-02T09:00+08:00"
    assert slots["booking_when"] == {"day": "2026-12-02", "period": "morning"}
    (question,) = messages  # the next question lists them
    assert [b["payload"] for b in question["buttons"][:-1]] == slots["booking_slot_choices"]
    assert slots["requested_slot"] == "booking_slot"
    ten = form_tracker(make_tracker, "十點", "booking_slot", booking_service="property_registration",
                       booking_slot_choices=slots["booking_slot_choices"],
                       booking_when=slots["booking_when"])
    slots, _ = await run(ValidateVideoBookingForm(), ten, domain)
    assert slots["booking_slot"] == "2026-12-02T10:00+08:00"  # that day, never another


async def test_an_answer_that_names_no_time_gets_the_same_choices_again(make_tracker, domain,
                                                                          stub) -> None:
    shown = ["2026-12-02T09:00+08:00", "2026-12-02T09:30+08:00"]
    tracker = form_tracker(make_tracker, "唔係呢個呀", "booking_slot",
                           booking_service="property_registration", booking_slot_choices=shown)
    slots, messages = await run(ValidateVideoBookingForm(), tracker, domain)
    assert slots["booking_slot"] is None and slots["booking_slot_choices"] == shown
    assert "沒看懂這個時間" in messages[0]["text"]
    assert [b["payload"] for b in messages[-1]["buttons"][:-1]] == shown
    assert stub.requests == []  # a slot picked from them is checked when it is picked


async def test_a_typed_time_that_is_free_is_taken(make_tracker, domain, api) -> None:
    tracker = form_tracker(make_tracker, "next Wednesday 10:30", "booking_slot",
                           booking_service="property_registration")
    slots, _ = await run(ValidateVideoBookingForm(), tracker, domain)
    assert slots["booking_slot"] == "2026-12-09T10:30+08:00"


async def test_a_closed_day_says_so_and_offers_the_next(make_tracker, domain, api) -> None:
    tracker = form_tracker(make_tracker, "星期六上午", "booking_slot",
                           booking_service="property_registration")
    slots, messages = await run(ValidateVideoBookingForm(), tracker, domain)
    assert "12月5日（星期六）沒有可預約的視像辦時段" in messages[0]["text"]
    assert slots["booking_slot_choices"][0].startswith("2026-12-07")


async def test_personal_answers_go_masked_to_slots_and_clear_to_the_draft(make_tracker, domain,
                                                                          api) -> None:
    name = form_tracker(make_tracker, "陳大文", "applicant_name")
    slots, _ = await run(ValidateVideoBookingForm(), name, domain)
    draft_id = slots["booking_draft"]
    assert slots["applicant_name"] == "陳**"
    phone = form_tracker(make_tracker, "９１２３ ４５６７", "contact_phone", booking_draft=draft_id,
                         applicant_name="陳**")
    slots, _ = await run(ValidateVideoBookingForm(), phone, domain)
    assert slots["contact_phone"] == "+852 ****4567" and "booking_draft" not in slots
    assert await Drafts().load(draft_id) == {"applicant_name": "陳大文",
                                             "contact_phone": "+85291234567"}


async def test_each_bad_answer_gets_its_own_reask(make_tracker, domain, api) -> None:
    phone = form_tracker(make_tracker, "6612 3456", "contact_phone")
    _, messages = await run(ValidateVideoBookingForm(), phone, domain)
    assert "+852（香港）或 +853（澳門）" in messages[0]["text"]
    in_macau = form_tracker(make_tracker, "6612 3456", "contact_phone", region="macau")
    slots, _ = await run(ValidateVideoBookingForm(), in_macau, domain)
    assert slots["contact_phone"] == "+853 ****3456"
    id_number = form_tracker(make_tracker, "A123456(4)", "id_number", id_type="hkid")
    _, messages = await run(ValidateVideoBookingForm(), id_number, domain)
    assert "香港身份證號碼的校驗位對不上" in messages[0]["text"]
    hidden = form_tracker(make_tracker, "\u202e陳大文", "applicant_name")
    slots, messages = await run(ValidateVideoBookingForm(), hidden, domain)
    assert slots["applicant_name"] is None and "重新輸入" in messages[0]["text"]


async def test_a_question_mid_form_is_left_to_its_rule(make_tracker, domain, api) -> None:
    tracker = form_tracker(make_tracker, "要帶咩文件？", "applicant_name", "ask_materials")
    slots, messages = await run(ValidateVideoBookingForm(), tracker, domain)
    # nothing filled: Rasa rejects the run, the rule answers, the form asks again after
    assert slots == {} and messages == []


async def test_back_from_a_question_the_form_asks_again(make_tracker, domain, api) -> None:
    # Rasa runs the validation after the rule's answer (not after action_listen): never rejected
    tracker = form_tracker(make_tracker, "要帶咩文件？", "applicant_name", "ask_materials",
                           booking_service="property_registration",
                           booking_slot="2026-12-01T14:30+08:00",
                           booking_privacy_notice_shown=True)
    tracker.events.insert(-2, {"event": "action", "name": "action_answer_materials"})
    slots, (question,) = await run(ValidateVideoBookingForm(), tracker, domain)
    assert slots == {"requested_slot": "applicant_name"} and "姓名" in question["text"]


def test_rasa_rejects_only_an_answer_that_filled_nothing(make_tracker) -> None:
    def may_reject(tracker: Any) -> bool:
        return booking_actions.rasa_may_reject(tracker, "video_booking_form")

    asked = form_tracker(make_tracker, "要帶咩文件？", "applicant_name", "ask_materials")
    assert may_reject(asked)
    filled = form_tracker(make_tracker, "陳大文", "applicant_name")
    filled.events.append({"event": "slot", "name": "applicant_name", "value": "陳大文"})
    assert not may_reject(filled)
    activating = form_tracker(make_tracker, "預約", None, "book_video_service")
    assert not may_reject(activating)
    other_form = form_tracker(make_tracker, "要帶咩文件？", "applicant_name", "ask_materials",
                              form="booking_lookup_form")
    assert not may_reject(other_form)
    after_an_answer = form_tracker(make_tracker, "要帶咩文件？", "applicant_name", "ask_materials")
    after_an_answer.events.insert(-2, {"event": "action", "name": "action_answer_materials"})
    assert not may_reject(after_an_answer)


async def test_asked_for_a_phone_the_user_changes_the_time(make_tracker, domain, api) -> None:
    tracker = form_tracker(make_tracker, "改做禮拜三下晝得唔得", "contact_phone",
                           "ask_eligibility", booking_service="property_registration",
                           booking_slot="2026-12-01T14:30+08:00")
    slots, messages = await run(ValidateVideoBookingForm(), tracker, domain)
    assert slots["booking_slot"] is None and slots["requested_slot"] == "booking_slot"
    assert all(c.startswith("2026-12-02T1") for c in slots["booking_slot_choices"])
    (question,) = messages
    assert [b["payload"] for b in question["buttons"][:-1]] == slots["booking_slot_choices"]


async def test_no_then_change_the_phone(make_tracker, domain, api, filled_draft) -> None:
    no = form_tracker(make_tracker, "唔啱", "booking_confirmed", "deny", **filled_draft)
    slots, _ = await run(ValidateVideoBookingForm(), no, domain)
    assert slots["booking_change_pending"] is True and slots["booking_confirmed"] is None
    change = form_tracker(make_tracker, '/inform{"booking_field":"contact_phone"}',
                          "booking_confirmed", "inform",
                          [{"entity": "booking_field", "value": "contact_phone"}],
                          **{**filled_draft, "booking_confirmed": None,
                             "booking_change_pending": True})
    slots, _ = await run(ValidateVideoBookingForm(), change, domain)
    assert slots["contact_phone"] is None and slots["booking_change_pending"] is None
    assert slots["booking_idempotency_key"] is None  # a changed booking is a new request


async def test_a_retry_after_an_outage_keeps_the_confirmed_answers(make_tracker, domain, stub,
                                                                    filled_draft) -> None:
    tracker = make_tracker("/book_video_service", "book_video_service", slots=filled_draft)
    for name, value in filled_draft.items():  # as Rasa passes prefilled slots at activation
        tracker.events.append({"event": "slot", "name": name, "value": value})
    slots, messages = await run(ValidateVideoBookingForm(), tracker, domain)
    assert messages == [] and slots["booking_slot"] == FILLED["booking_slot"]
    assert stub.requests == []  # nothing is checked again


async def test_yes_sets_one_idempotency_key(make_tracker, domain, api, filled_draft) -> None:
    yes = form_tracker(make_tracker, "好", "booking_confirmed", "affirm",
                       **{**filled_draft, "booking_confirmed": None,
                          "booking_idempotency_key": None})
    slots, _ = await run(ValidateVideoBookingForm(), yes, domain)
    assert slots["booking_confirmed"] is True and len(slots["booking_idempotency_key"]) == 32


async def lookup_turn(make_tracker, domain, text: str, intent: str, requested: str | None,
                      entities: list[dict[str, Any]] | None = None,
                      **slots: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    tracker = form_tracker(make_tracker, text, requested, intent, entities,
                           form="booking_lookup_form", **slots)
    if requested is None:
        for name, value in slots.items():
            tracker.events.append({"event": "slot", "name": name, "value": value})
    return await run(ValidateBookingLookupForm(), tracker, domain)


async def test_book_check_cancel_with_a_yes_then_book_again(make_tracker, domain, api,
                                                           filled_draft) -> None:
    slots, (message,) = await run(ActionSubmitBooking(), make_tracker(
        "好", "affirm", slots=filled_draft), domain)
    reference = slots["booking_reference"]
    assert f"預約編號：{reference}" in message["text"]
    assert "2026年12月1日（星期二）14:30–15:00（北京時間，與香港、澳門時間相同）" in message["text"]
    assert slots["id_number"] is None and slots["booking_idempotency_key"] is None
    assert slots["contact_phone"] == "+852 ****4567"  # kept, masked, for checking
    assert await Drafts().load("draft-filled") == {"contact_phone": "+85291234567"}
    kept = {"booking_reference": reference, "contact_phone": "+852 ****4567",
            "booking_draft": "draft-filled", "booking_lookup_purpose": "cancel"}
    # "取消我的預約" with the reference and phone known: the form asks first
    slots, (question,) = await lookup_turn(make_tracker, domain, "取消我的預約",
                                           "cancel_booking", None, **kept)
    assert slots["requested_slot"] == "lookup_confirmed"
    assert slots["booking_found"]["status"] == "booked"
    assert question["text"].startswith(f"取消 {reference}（")
    found = slots["booking_found"]
    _, (kept_message,) = await run(ActionBookingLookup(), make_tracker(
        "唔好", "deny", slots={**kept, "booking_found": found, "lookup_confirmed": False}),
        domain)
    assert kept_message["text"].startswith(f"好的，沒有改動，預約 {reference}")
    _, (cancelled,) = await run(ActionBookingLookup(), make_tracker(
        "係", "affirm", slots={**kept, "booking_found": found, "lookup_confirmed": True}), domain)
    assert cancelled["text"].startswith(f"已取消預約 {reference}")
    assert cancelled["buttons"][0]["payload"] == (
        '/book_video_service{"service":"property_registration"}')  # booking again keeps it


async def test_the_cancel_question_names_the_booking(make_tracker, domain, api,
                                                     filled_draft) -> None:
    found = {"reference": "JM-AAAA-CCCC", "service": "property_registration",
             "start": "2026-12-03T10:00+08:00", "status": "booked"}
    slots, (question,) = await lookup_turn(
        make_tracker, domain, "取消", "cancel_booking", None, booking_reference="JM-AAAA-CCCC",
        contact_phone="+852 ****4567", booking_draft="draft-filled", booking_found=found,
        booking_lookup_purpose="cancel")
    assert slots["requested_slot"] == "lookup_confirmed"
    assert question["text"] == "取消 JM-AAAA-CCCC（12月3日，星期四，10:00）？"  # no nested brackets
    assert [b["payload"] for b in question["buttons"]] == ["/affirm", "/deny"]


async def test_moving_a_booking_in_one_conversation(make_tracker, domain, api,
                                                    filled_draft) -> None:
    slots, _ = await run(ActionSubmitBooking(), make_tracker("好", "affirm", slots=filled_draft),
                         domain)
    reference = slots["booking_reference"]
    kept = {"booking_reference": reference, "contact_phone": "+852 ****4567",
            "booking_draft": "draft-filled", "booking_lookup_purpose": "move"}
    slots, _ = await lookup_turn(make_tracker, domain, "move it to Thursday 10am",
                                 "change_booking", None, **kept)
    assert slots["booking_slot"] == "2026-12-03T10:00+08:00"
    assert slots["requested_slot"] == "lookup_confirmed"
    _, (moved,) = await run(ActionBookingLookup(), make_tracker("yes move it", "affirm", slots={
        **kept, "booking_found": slots["booking_found"], "booking_slot": slots["booking_slot"],
        "lookup_confirmed": True}), domain)
    assert moved["text"].startswith(f"Moved: booking {reference} is now at Thu 3 Dec 2026, 10:00")


async def test_the_fourth_booking_of_one_person_gets_a_clear_message(
        make_tracker, domain, api, filled_draft) -> None:
    for number, start in enumerate(("2026-12-02T09:00", "2026-12-02T09:30", "2026-12-02T10:00",
                                    "2026-12-02T10:30")):
        _, (message,) = await run(ActionSubmitBooking(), make_tracker("好", "affirm", slots={
            **filled_draft, "booking_slot": f"{start}+08:00",
            "booking_idempotency_key": f"fourth-key-{number}"}), domain)
        await Drafts().update("draft-filled", CLEAR)
    assert "最多可同時持有3個未到期的視像辦預約" in message["text"]
    assert message["buttons"][0]["payload"] == "/check_booking"


def booking_answer(status: str) -> dict[str, Any]:
    return {"reference": "JM-AAAA-CCCC", "service": "property_registration", "status": status,
            "slot": {"start": "2026-12-01T14:30+08:00", "end": "2026-12-01T15:00+08:00"}}


async def test_an_unknown_outcome_is_looked_up_by_its_key(make_tracker, domain, stub,
                                                         filled_draft) -> None:
    stub.answer("POST", "/v1/bookings", Answer(delay=1))
    stub.answer("POST", "/v1/bookings/by-key", Answer(200, booking_answer("booked")))
    slots, (message,) = await run(ActionSubmitBooking(), make_tracker(
        "好", "affirm", slots=filled_draft), domain)
    assert slots["booking_reference"] == "JM-AAAA-CCCC" and "預約成功" in message["text"]
    keys = [body for method, path, _, body in stub.requests if path.endswith("by-key")]
    assert keys == [{"idempotency_key": "conversation-key-1"}]


async def test_no_answer_at_all_keeps_everything_for_a_retry(make_tracker, domain, stub,
                                                            filled_draft) -> None:
    stub.answer("POST", "/v1/bookings", Answer(503))
    stub.answer("POST", "/v1/bookings/by-key", Answer(503))
    slots, (message,) = await run(ActionSubmitBooking(), make_tracker(
        "好", "affirm", slots=filled_draft), domain)
    assert "未能確認這次預約是否成功" in message["text"]
    assert message["buttons"][0]["payload"] == "/book_video_service"
    assert slots == {}  # nothing cleared: the retry sends the same key


async def test_a_replayed_key_of_a_cancelled_booking_says_cancelled(make_tracker, domain, stub,
                                                                   filled_draft) -> None:
    stub.answer("POST", "/v1/bookings", Answer(200, booking_answer("cancelled")))
    _, (message,) = await run(ActionSubmitBooking(), make_tracker(
        "book it", "affirm", slots=filled_draft), domain)
    assert "has since been cancelled" in message["text"]


async def test_an_expired_draft_is_asked_again_not_sent(make_tracker, domain, stub) -> None:
    slots, (message,) = await run(ActionSubmitBooking(), make_tracker(
        "好", "affirm", slots={**FILLED, "booking_draft": "gone"}), domain)
    assert slots["applicant_name"] is None and "30分鐘" in message["text"]
    assert stub.requests == []


async def test_booking_service_errors(make_tracker, domain, stub, filled_draft) -> None:
    stub.answer("POST", "/v1/bookings", Answer(409, {"error": {"code": "slot_full",
                                                               "message": "taken"}}))
    slots, (message,) = await run(ActionSubmitBooking(), make_tracker(
        "yes please book it", "affirm", slots=filled_draft), domain)
    assert message["text"].startswith("Sorry, that time has just been taken")
    assert slots["booking_slot"] is None and slots["booking_idempotency_key"] is None
    stub.answer("GET", "/v1/slots", Answer(502))
    tracker = form_tracker(make_tracker, "tomorrow afternoon", "booking_slot",
                           booking_service="property_registration")
    slots, (message,) = await run(ValidateVideoBookingForm(), tracker, domain)
    assert slots["requested_slot"] is None and "not answering" in message["text"]


async def test_lookup_form_reads_a_reference(make_tracker, domain, api) -> None:
    typed = "我個編號係 jm 7k3m 9qtx"
    as_understood = [{"entity": "booking_reference", "value": "JM-7K3M-9QTX",
                      "start": typed.index("jm"), "end": len(typed)}]
    slots, _ = await lookup_turn(make_tracker, domain, typed, "inform", "booking_reference",
                                 as_understood, booking_lookup_purpose="check")
    assert slots["booking_reference"] == "JM-7K3M-9QTX"
    assert slots["requested_slot"] == "contact_phone"
    slots, (message, question) = await lookup_turn(
        make_tracker, domain, "唔記得", "inform", "booking_reference",
        booking_lookup_purpose="check")
    assert slots["booking_reference"] is None and "JM-" in message["text"]
    assert slots["requested_slot"] == "booking_reference" and "編號" in question["text"]


async def test_a_wrong_reference_is_not_found_and_asked_again(make_tracker, domain, api) -> None:
    slots, (message, question) = await lookup_turn(
        make_tracker, domain, "+852 9123 4567", "inform", "contact_phone",
        booking_reference="JM-AAAA-CCCC", booking_lookup_purpose="check")
    assert "沒有找到" in message["text"] and slots["booking_reference"] is None
    assert slots["requested_slot"] == "booking_reference" and "編號" in question["text"]


async def test_stopping_clears_the_answers_and_the_draft(make_tracker, domain,
                                                         filled_draft) -> None:
    slots, (message,) = await run(ActionStopBooking(), make_tracker("算了", "stop",
                                                                    slots=filled_draft), domain)
    assert slots["id_number"] is None and slots["booking_service"] is None
    assert message["text"].startswith("好的，已停止預約")
    assert await Drafts().load("draft-filled") == {}
    json.dumps(slots)  # plain data for the tracker store
