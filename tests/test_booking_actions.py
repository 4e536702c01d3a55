"""The booking form's actions with a real Tracker and CollectingDispatcher.

HTTP goes to a real booking service on a free port (tests/booking/conftest.py), or is mocked with
`responses` where a timeout or a 5xx is the point.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import responses
from rasa_sdk.executor import CollectingDispatcher

from actions import booking as booking_actions
from actions.booking import (
    ActionBookingLookup,
    ActionStopBooking,
    ActionSubmitBooking,
    ValidateBookingLookupForm,
    ValidateVideoBookingForm,
)
from bot.booking.schedule import default_schedule
from tests.booking.conftest import NOW, TOKEN, RunningService, start_service

FILLED = {"booking_service": "property_registration", "booking_slot": "2026-12-01T14:30+08:00",
          "applicant_name": "陳大文", "contact_phone": "+85291234567", "id_type": "hkid",
          "id_number": "A1234563", "booking_confirmed": True,
          "booking_idempotency_key": "conversation-key-1"}


@pytest.fixture
def api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningService]:
    for running in start_service(tmp_path, default_schedule()):
        point_actions_at(running.url, monkeypatch)
        yield running


def point_actions_at(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOOKING_API_URL", url)
    monkeypatch.setenv("BOOKING_API_TOKEN", TOKEN)
    monkeypatch.setattr(booking_actions, "beijing_now", lambda: NOW)
    booking_actions.booking_client.cache_clear()


async def run(action: Any, tracker: Any, domain: dict[str, Any]
              ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, domain)
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}, dispatcher.messages


def form_tracker(make_tracker, text: str, requested: str | None, intent: str = "inform",
                 entities: list[dict[str, Any]] | None = None, **slots: Any) -> Any:
    return make_tracker(text, intent, entities, slots={**slots, "requested_slot": requested})


async def test_a_service_named_before_is_reused(make_tracker, domain, api) -> None:
    tracker = form_tracker(make_tracker, "我想預約視像辦物業登記", None, "book_video_service",
                           [{"entity": "service", "value": "property_registration"}])
    slots, messages = await run(ValidateVideoBookingForm(), tracker, domain)
    assert slots["booking_service"] == "property_registration" and messages == []


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
    assert messages == []  # the next question lists them


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


async def test_each_bad_answer_gets_its_own_reask(make_tracker, domain, api) -> None:
    phone = form_tracker(make_tracker, "9123 4567", "contact_phone")
    _, messages = await run(ValidateVideoBookingForm(), phone, domain)
    assert "+852（香港）或 +853（澳門）" in messages[0]["text"]
    in_macau = form_tracker(make_tracker, "6612 3456", "contact_phone", region="macau")
    slots, _ = await run(ValidateVideoBookingForm(), in_macau, domain)
    assert slots["contact_phone"] == "+85366123456"
    id_number = form_tracker(make_tracker, "A123456(4)", "id_number", id_type="hkid")
    _, messages = await run(ValidateVideoBookingForm(), id_number, domain)
    assert "香港身份證號碼的校驗位對不上" in messages[0]["text"]


async def test_a_question_mid_form_is_left_to_its_rule(make_tracker, domain, api) -> None:
    tracker = form_tracker(make_tracker, "要帶咩文件？", "applicant_name", "ask_materials")
    slots, messages = await run(ValidateVideoBookingForm(), tracker, domain)
    assert "applicant_name" not in slots and messages == []


async def test_no_then_change_the_phone(make_tracker, domain, api) -> None:
    no = form_tracker(make_tracker, "唔啱", "booking_confirmed", "deny", **FILLED)
    slots, _ = await run(ValidateVideoBookingForm(), no, domain)
    assert slots["booking_change_pending"] is True and slots["booking_confirmed"] is None
    change = form_tracker(make_tracker, '/inform{"booking_field":"contact_phone"}',
                          "booking_confirmed", "inform",
                          [{"entity": "booking_field", "value": "contact_phone"}],
                          **{**FILLED, "booking_confirmed": None, "booking_change_pending": True})
    slots, _ = await run(ValidateVideoBookingForm(), change, domain)
    assert slots["contact_phone"] is None and slots["booking_change_pending"] is None
    assert slots["booking_idempotency_key"] is None  # a changed booking is a new request


async def test_a_retry_after_an_outage_keeps_the_confirmed_answers(make_tracker, domain,
                                                                    monkeypatch) -> None:
    point_actions_at("http://booking.test", monkeypatch)
    tracker = make_tracker("/book_video_service", "book_video_service", slots=FILLED)
    for name, value in FILLED.items():  # as Rasa passes prefilled slots at form activation
        tracker.events.append({"event": "slot", "name": name, "value": value})
    with responses.RequestsMock():  # no HTTP allowed: nothing is checked again
        slots, messages = await run(ValidateVideoBookingForm(), tracker, domain)
    assert messages == [] and slots["booking_slot"] == FILLED["booking_slot"]


async def test_yes_sets_one_idempotency_key(make_tracker, domain, api) -> None:
    yes = form_tracker(make_tracker, "好", "booking_confirmed", "affirm",
                       **{**FILLED, "booking_confirmed": None, "booking_idempotency_key": None})
    slots, _ = await run(ValidateVideoBookingForm(), yes, domain)
    assert slots["booking_confirmed"] is True and len(slots["booking_idempotency_key"]) == 32


async def test_booking_then_check_then_cancel(make_tracker, domain, api) -> None:
    slots, (message,) = await run(ActionSubmitBooking(), make_tracker(
        "好", "affirm", slots=FILLED), domain)
    reference = slots["booking_reference"]
    assert f"預約編號：{reference}" in message["text"]
    assert "2026年12月1日（星期二）14:30–15:00（北京時間，與香港、澳門時間相同）" in message["text"]
    assert slots["id_number"] is None and slots["booking_idempotency_key"] is None
    assert slots["contact_phone"] == "+85291234567"  # kept for checking
    lookup = {"booking_reference": reference, "contact_phone": "+85291234567"}
    _, (found,) = await run(ActionBookingLookup(), make_tracker(
        "查一下", "check_booking", slots={**lookup, "booking_lookup_purpose": "check"}), domain)
    assert "狀態：已預約" in found["text"]
    _, (cancelled,) = await run(ActionBookingLookup(), make_tracker(
        "取消", "cancel_booking", slots={**lookup, "booking_lookup_purpose": "cancel"}), domain)
    assert cancelled["text"].startswith(f"已取消預約 {reference}")


async def test_retrying_after_an_outage_books_once(make_tracker, domain, api,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    tracker = make_tracker("好", "affirm", slots=FILLED)
    with responses.RequestsMock() as mocked:
        mocked.post(f"{api.url}/v1/bookings", body=requests.Timeout())
        mocked.post(f"{api.url}/v1/bookings", body=requests.Timeout())
        slots, (message,) = await run(ActionSubmitBooking(), tracker, domain)
    assert "你填寫的資料都保留着" in message["text"]
    assert message["buttons"][0]["payload"] == "/book_video_service"
    assert slots == {}  # nothing cleared: the user's answers stay for the retry
    first, _ = await run(ActionSubmitBooking(), tracker, domain)
    again, _ = await run(ActionSubmitBooking(), tracker, domain)  # e.g. a double tap
    assert first["booking_reference"] == again["booking_reference"]


async def test_booking_service_errors(make_tracker, domain,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    point_actions_at("http://booking.test", monkeypatch)
    with responses.RequestsMock() as mocked:
        mocked.post("http://booking.test/v1/bookings", status=409,
                    json={"error": {"code": "slot_full", "message": "taken"}})
        slots, (message,) = await run(ActionSubmitBooking(), make_tracker(
            "yes please book it", "affirm", slots=FILLED), domain)
    assert message["text"].startswith("Sorry, that time has just been taken")
    assert slots["booking_slot"] is None and slots["booking_idempotency_key"] is None
    with responses.RequestsMock() as mocked:
        mocked.get("http://booking.test/v1/slots", status=502)
        tracker = form_tracker(make_tracker, "tomorrow afternoon", "booking_slot",
                               booking_service="property_registration")
        slots, (message,) = await run(ValidateVideoBookingForm(), tracker, domain)
    assert slots["requested_slot"] is None and "not answering" in message["text"]


async def test_lookup_form_reads_a_reference(make_tracker, domain, api) -> None:
    tracker = form_tracker(make_tracker, "我個編號係 jm 7k3m 9qtx", "booking_reference")
    slots, _ = await run(ValidateBookingLookupForm(), tracker, domain)
    assert slots["booking_reference"] == "JM-7K3M-9QTX"
    wrong = form_tracker(make_tracker, "唔記得", "booking_reference")
    slots, (message,) = await run(ValidateBookingLookupForm(), wrong, domain)
    assert slots["booking_reference"] is None and "JM-" in message["text"]


async def test_a_wrong_reference_is_not_found(make_tracker, domain, api) -> None:
    lookup = {"booking_reference": "JM-AAAA-CCCC", "contact_phone": "+85291234567",
              "booking_lookup_purpose": "check"}
    slots, (message,) = await run(ActionBookingLookup(), make_tracker(
        "JM-AAAA-CCCC", "inform", slots=lookup), domain)
    assert "沒有找到" in message["text"] and slots["booking_reference"] is None


async def test_stopping_clears_the_answers(make_tracker, domain) -> None:
    slots, (message,) = await run(ActionStopBooking(), make_tracker("算了", "stop"), domain)
    assert slots["id_number"] is None and slots["booking_service"] is None
    assert message["text"].startswith("好的，已停止預約")
