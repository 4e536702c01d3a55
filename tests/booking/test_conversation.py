"""The booking conversation's decisions on plain data: extraction, changes at any step, times
resolved against the list just shown, personal data kept masked in slots and clear in the draft."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from bot.booking.conversation import FormTurn, extract, extract_lookup, validate_booking
from bot.booking.conversation.extract import change_request
from bot.booking.conversation.times import choose, read_when, spread
from bot.booking.conversation.words import id_type_in, yes_or_no
from bot.booking.schedule import BEIJING
from bot.booking.when import WhenRequest
from bot.catalog import Catalog

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=BEIJING)  # a Saturday


def turn(text: str, requested: str | None, intent: str = "inform",
         entities: dict[str, Any] | None = None, draft: dict[str, str] | None = None,
         language: str = "zh-Hant", **slots: Any) -> FormTurn:
    return FormTurn(text=text, intent=intent, entities=entities or {},
                    slots={**slots, "requested_slot": requested}, language=language, now=NOW,
                    draft=draft or {})


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BEIJING)


@pytest.mark.parametrize(("text", "id_type"), [
    ("我用香港身份證", "hkid"), ("HKID", "hkid"), ("澳門身份證", "macau_id"), ("BIR", "macau_id"),
    ("回鄉卡", "home_return_permit"), ("居住證", "residence_permit"),
    ("residence permit", "residence_permit"), ("身份證", None), ("my birthday", None),
])
def test_document_types_in_any_script(text: str, id_type: str | None) -> None:
    assert id_type_in(text) == id_type


@pytest.mark.parametrize(("text", "intent", "answer"), [
    # the NLU reads the first two as yes: booking on them would book on a "wrong"
    ("不对", "affirm", False), ("唔啱", "affirm", False), ("not now", "affirm", False),
    ("冇問題", "deny", True), ("無錯", "affirm", True), ("確認", "check_booking", True),
    ("係呀", "affirm", True), ("yes please", "affirm", True), ("book it", "book_video_service", True),
    ("唔使", "deny", False), ("no", "deny", False), ("hmm", "affirm", None),
    ("", "affirm", True), ("", "deny", False),  # buttons
])
def test_yes_and_no_are_read_from_the_words_first(text: str, intent: str,
                                                  answer: bool | None) -> None:
    assert yes_or_no(text, intent) is answer


def test_slot_buttons_span_half_days() -> None:
    starts = [at(f"2026-12-0{day}T{hour:02d}:{minute:02d}")
              for day in (1, 2) for hour in (9, 10, 14) for minute in (0, 30)]
    assert [s.strftime("%d %H:%M") for s in spread(starts)] == [
        "01 09:00", "01 14:00", "02 09:00", "02 14:00"]


FREE = [at(f"2026-{day}T{clock}") for day in ("11-30", "12-01", "12-03")
        for clock in ("09:00", "10:00", "15:00")]


def test_a_time_after_a_day_is_that_day() -> None:
    """禮拜四朝早 -> the Thursday list -> 十點 is Thursday 10:00, never Monday's."""
    thursday = read_when("禮拜四朝早", WhenRequest(), NOW.date())
    offered = choose(thursday, [], FREE, NOW.date())
    assert offered.slot is None and [s.day for s in offered.offer] == [3, 3]
    ten = choose(read_when("十點", offered.request, NOW.date()), list(offered.offer), FREE,
                 NOW.date())
    assert ten.slot == at("2026-12-03T10:00")
    tuesday = choose(read_when("Tuesday afternoon", WhenRequest(), NOW.date()), [], FREE,
                     NOW.date())
    three = choose(read_when("3pm", tuesday.request, NOW.date()), [], FREE, NOW.date())
    assert three.slot == at("2026-12-01T15:00")


def test_a_time_without_a_day_is_never_a_silent_guess() -> None:
    several = choose(read_when("三點", WhenRequest(), NOW.date()), [], FREE, NOW.date())
    assert several.slot is None and [s.hour for s in several.offer] == [15, 15, 15]
    taken = choose(read_when("星期四十一點", WhenRequest(), NOW.date()), [], FREE, NOW.date())
    assert taken.slot is None and taken.why == "slot_taken"
    assert {s.day for s in taken.offer} == {3}  # that day's free times instead


@pytest.mark.parametrize(("text", "requested", "intent", "expected"), [
    ("我想改時間", "contact_phone", "book_video_service", {"booking_slot": None}),
    ("改做禮拜三下晝得唔得", "contact_phone", "ask_eligibility",
     {"booking_slot": "改做禮拜三下晝得唔得"}),
    ("I'd like to change the phone", "booking_confirmed", "inform", {"contact_phone": None}),
    ("Change something", "booking_confirmed", "cancel_booking", {"booking_change_pending": True}),
    ("Tuesday 1 Dec 3pm", "booking_confirmed", "inform", {"booking_slot": "Tuesday 1 Dec 3pm"}),
    ("改電話做 +852 6123 4567", "id_number", "inform", {"contact_phone": "+852 6123 4567"}),
    ("我想改個名", "id_type", "inform", {"applicant_name": None}),
    ("我想改一下电话", "booking_confirmed", "change_booking", {"contact_phone": None}),
    ("改成周三下午吧", "id_number", "change_booking", {"booking_slot": "改成周三下午吧"}),
])
def test_changing_an_answer_at_any_step(text: str, requested: str, intent: str,
                                        expected: dict[str, Any]) -> None:
    changed = change_request(turn(text, requested, intent))
    assert changed is not None and expected.items() <= changed.items()


def test_what_is_not_a_change() -> None:
    assert change_request(turn("陳大文", "applicant_name")) is None
    assert change_request(turn("+852 9123 4567", "contact_phone")) is None
    assert change_request(turn("我想辦改名", "booking_service")) is None
    pending = turn("Tuesday 1 Dec 3pm", "booking_confirmed", booking_change_pending=True)
    assert change_request(pending)["booking_slot"] == "Tuesday 1 Dec 3pm"
    assert change_request(turn("唔使改", "booking_confirmed", "deny",
                               booking_change_pending=True)) == {"booking_change_pending": None}


def test_the_what_to_change_question_never_traps(catalog: Catalog) -> None:
    """An answer that names no field closes the question and answers the one that was open."""
    name = extract(catalog, turn("陳小文", "applicant_name", booking_change_pending=True))
    assert name == {"booking_change_pending": None, "applicant_name": "陳小文"}
    typed = extract(catalog, turn("A123456(3)", "id_type"))  # the number, straight away
    assert typed == {"id_type": "hkid", "id_number": "A123456(3)"}


def test_stopping_and_questions_are_left_to_their_rules(catalog: Catalog) -> None:
    assert extract(catalog, turn("Please cancel it", "contact_phone", "cancel_booking")) == {}
    assert extract(catalog, turn("我想搵真人", "applicant_name", "human_handoff")) == {}
    assert extract_lookup(turn("我想搵真人", "booking_reference", "human_handoff")) == {}
    assert extract_lookup(turn("約聽日下晝", "booking_reference", "book_video_service")) == {}


def test_the_opening_message_can_name_service_time_and_reference(catalog: Catalog) -> None:
    opened = extract(catalog, turn("我想約視像辦不動產登記 禮拜四朝早", None, "book_video_service",
                                   {"service": "property_registration"}))
    assert opened == {"booking_service": "property_registration",
                      "booking_slot": "我想約視像辦不動產登記 禮拜四朝早"}
    check = extract_lookup(turn("Hi, I want to check my booking jm-ab3c 7def", None,
                                "check_booking", {"booking_reference": "JM-AB3C-7DEF"}))
    assert check == {"booking_reference": "JM-AB3C-7DEF", "booking_found": None}
    move = extract_lookup(turn("move it to Thursday", None, "change_booking",
                               booking_lookup_purpose="move", booking_reference="JM-AB3C-7DEF"))
    assert move == {"booking_slot": "move it to Thursday"}


async def validated(catalog: Catalog, form_turn: FormTurn, **values: Any) -> Any:
    return await validate_booking(catalog, None, form_turn, values)  # type: ignore[arg-type]


async def test_personal_answers_are_masked_in_slots_and_clear_in_the_draft(catalog) -> None:
    name = await validated(catalog, turn("陳大文", "applicant_name"), applicant_name="陳大文")
    assert name.slots["applicant_name"] == "陳**" and name.draft == {"applicant_name": "陳大文"}
    phone = await validated(catalog, turn("＋８５２　９１２３－４５６７", "contact_phone"),
                            contact_phone="＋８５２　９１２３－４５６７")
    assert phone.slots["contact_phone"] == "+852 ****4567"
    assert phone.draft == {"contact_phone": "+85291234567"}
    number = await validated(catalog, turn("A123456(3)", "id_number", id_type="hkid"),
                             id_number="A123456(3)")
    assert number.slots["id_number"] == "****4563" and number.draft == {"id_number": "A1234563"}


async def test_a_name_with_hidden_characters_is_asked_again(catalog) -> None:
    step = await validated(catalog, turn("陳大文\u202e", "applicant_name"),
                           applicant_name="陳大文\u202e")
    assert step.slots["applicant_name"] is None and not step.draft
    assert "控制字符" in step.replies[0].text or "控制字元" in step.replies[0].text


async def test_an_expired_draft_is_asked_again_politely(catalog) -> None:
    filled = turn("好", "booking_confirmed", "affirm", applicant_name="陳**",
                  contact_phone="+852 ****4567", id_number="****4563",
                  booking_idempotency_key="k" * 32)
    step = await validated(catalog, filled, booking_confirmed=True)
    assert step.slots["applicant_name"] is None and step.slots["id_number"] is None
    assert step.slots["booking_confirmed"] is None and "30分鐘" in step.replies[0].text
    kept = await validated(catalog, turn("好", "booking_confirmed", "affirm",
                                         draft={"contact_phone": "+85291234567"},
                                         contact_phone="+852 ****4567"),
                           contact_phone="+852 ****4567")
    assert kept.slots["contact_phone"] == "+852 ****4567" and not kept.replies


async def test_a_service_the_user_did_not_name_is_confirmed_first(catalog) -> None:
    asked = turn("book an annual report for my sole proprietor business by video", None,
                 "book_video_service", language="en")
    step = await validated(catalog, asked, booking_service="individual_business_registration")
    assert step.slots["booking_service"] is None
    candidate = step.slots["booking_service_candidate"]
    assert candidate["service"] == "individual_business_registration"
    plain = await validated(catalog, turn("我想約視像辦 不動產登記 下星期一朝早", None,
                                          "book_video_service"),
                            booking_service="property_registration")
    assert plain.slots["booking_service"] == "property_registration"
    no = extract(catalog, turn("不是", "booking_service", "deny",
                               booking_service_candidate=candidate))
    refused = await validated(catalog, turn("不是", "booking_service", "deny", language="en"),
                              **no)
    assert refused.slots["booking_service"] is None
    assert "is not in my list" in refused.replies[0].text and "12345" in refused.replies[0].text
    assert "nual" not in refused.replies[0].text  # nothing of the request is echoed, mangled
