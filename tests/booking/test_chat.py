"""Booking conversations end to end, as residents type them (issue 6: items 1, 6, 9, 10, 12;
issue 7: the privacy notice, masked personal data, a cancel only on a yes).

Text goes through the real stack (REST channel -> NLU -> policies -> actions -> booking service),
so these test understanding and dialogue together. Days are named relative to today, so the tests
hold on any date; every booking uses a fresh identity (one person may hold only 3).
"""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import date

import pytest

from bot.channels.reliable import REST_CONVERSATION_PREFIX
from bot.stack import Stack
from tests.booking.chat import (
    Chat,
    Person,
    coming_open_days,
    new_person,
    weekday_en,
    weekday_zh,
)

pytestmark = pytest.mark.stack


def on_day(day: date, starts: list[str]) -> bool:
    return bool(starts) and all(start.startswith(day.isoformat()) for start in starts)


def give_details(chat: Chat, person: Person) -> str:
    """Name, phone, document and number; returns the summary."""
    assert "電話" in chat(person.name) or "phone" in chat.last[0]["text"]
    chat(person.phone)
    chat('/inform{"id_type":"hkid"}')
    return chat(person.id_number)


def book(chat: Chat, person: Person, pick: int) -> str:
    """A whole booking in Cantonese, the ``pick``-th time offered; returns the reference."""
    chat("我想預約視像辦物業登記")
    chat(chat.times_offered()[pick])
    give_details(chat, person)
    booked = chat("好")
    return re.search(r"JM-[A-Z0-9]{4}-[A-Z0-9]{4}", booked).group(0)


def slot_events(stack: Stack, sender: str) -> list[dict[str, object]]:
    """Every slot event of a conversation, as the tracker store keeps it."""
    database = stack.run_dir / f"tracker-{stack.rasa_port}.db"
    with sqlite3.connect(database) as connection:
        rows = connection.execute("select data from events where sender_id = ? and "
                                  "type_name = 'slot'",
                                  (REST_CONVERSATION_PREFIX + sender,)).fetchall()
    return [json.loads(data) for (data,) in rows]


def booked_elsewhere(stack: Stack, pick: int) -> tuple[Person, str, Chat]:
    """Someone who booked in another conversation, and the new conversation they start."""
    person = new_person()
    return person, book(Chat(stack), person, pick), Chat(stack)


def test_a_time_after_a_day_is_that_day_and_moving_it_in_cantonese(stack: Stack) -> None:
    first, second = coming_open_days(3)[-2:]
    chat, person = Chat(stack), new_person()
    assert "不動產登記" in chat("我想約視像辦 不動產登記")
    chat(f"{weekday_zh(first)}朝早")
    assert on_day(first, chat.times_offered())
    notice = chat("十點")
    assert "個人資料" in notice and "30分鐘" in notice and "姓名" in notice  # before any data
    summary = give_details(chat, person)
    assert f"{first.month}月{first.day}日" in summary and "10:00–10:30" in summary
    assert "未能確認“不動產登記”可以通過視像辦辦理" in summary  # said before the yes
    assert "陳**" in summary and person.id_number[:7] not in summary and "****" in summary
    assert "修改哪一項" in chat("唔啱")  # read as yes by the NLU: it must not book
    assert "請核對預約資訊" in chat("唔使改")
    reference = re.search(r"JM-[A-Z0-9]{4}-[A-Z0-9]{4}", chat("好")).group(0)
    stored = json.dumps(slot_events(stack, chat.sender), ensure_ascii=False)
    assert "陳**" in stored and "****" in stored  # contract 5: slots hold masked values only
    for clear in (person.name, person.phone.replace(" ", ""), person.id_number[:7]):
        assert clear not in stored
    chat(f"可唔可以改去{weekday_zh(second)}")
    assert on_day(second, chat.times_offered())
    new_time = chat.times_offered()[2]
    question = chat(new_time)
    assert question.startswith(f"把 {reference} 從") and "改到" in question
    moved = chat("係")
    assert moved.startswith(f"已改期：預約 {reference}") and f"{second.day}日" in moved


def test_tuesday_afternoon_then_3pm_and_changes_on_the_summary_in_english(stack: Stack) -> None:
    first, second = coming_open_days(4)[-2:]
    chat, person = Chat(stack), new_person()
    chat("I'd like to book a video session for property registration")
    chat(f"{weekday_en(first)} afternoon")
    assert on_day(first, chat.times_offered())
    assert "name" in chat("3pm")
    summary = give_details(chat, person)
    assert f"{first.day} " in summary and "15:00–15:30" in summary
    assert "What would you like to change?" in chat("Change something")
    summary = chat(f"{weekday_en(second)} {second.day} {second.strftime('%b')} 3pm")
    assert "Please check your booking" in summary and "15:00–15:30" in summary
    assert f"{weekday_en(second)[:3]} {second.day} " in summary
    assert "booking stopped" in chat("Please cancel it")


def test_more_inside_the_form_shows_the_rest_and_asks_the_time_again(stack: Stack) -> None:
    first = coming_open_days(3)[-1]
    chat = Chat(stack)
    chat("could I get a video appointment about property registration")
    more = [p for p in chat.payloads() if p.startswith("/show_more")]
    assert more and chat.payloads()[0] != more[0]  # the times come before "more"
    rest = chat(more[0])
    assert "trial timetable" in rest and "pick one" in rest and chat.times_offered()
    listed = chat(f"{weekday_en(first)} morning")
    assert on_day(first, chat.times_offered())
    assert f"{weekday_en(first)[:3]} {first.day} " in listed  # the day it understood, named
    assert "name" in chat(chat.times_offered()[0])


def test_changing_the_time_when_the_phone_is_asked(stack: Stack) -> None:
    first, second = coming_open_days(5)[-2:]
    chat = Chat(stack)
    chat("我想預約視像辦物業登記")
    chat(f"{weekday_zh(first)}下晝四點")
    assert "電話" in chat("陳大文")
    again = chat("我想改時間")
    assert "請選擇時間" in again and "號碼" not in again and chat.times_offered()
    listed = chat(f"改做{weekday_zh(second)}下晝得唔得")
    assert on_day(second, chat.times_offered()) and f"{second.day}日（星期" in listed
    assert "電話" in chat(chat.times_offered()[1])  # back to the question that was open
    assert "booking stopped" in chat("actually partner says cancel")  # in the words' script


def test_checking_a_booking_named_in_the_first_message(stack: Stack) -> None:
    person, reference, chat = booked_elsewhere(stack, pick=3)
    assert "phone you booked with" in chat(f"Hi, I want to check my booking {reference}")
    found = chat(person.phone)
    assert reference in found and "booked" in found
    assert "/change_booking" in chat.payloads()


def test_a_reference_alone_in_a_new_conversation_offers_what_to_do_with_it(stack: Stack) -> None:
    """Typed with a phone's full-width keyboard, as some residents do."""
    person, reference, chat = booked_elsewhere(stack, pick=2)
    typed = reference.translate({code: code + 0xFEE0 for code in range(0x21, 0x7F)})
    assert reference in chat(typed)
    cancel = next(p for p in chat.payloads() if p.startswith("/cancel_booking"))
    assert "電話" in chat(cancel)  # the reference is not asked again
    assert chat(person.phone).startswith(f"取消 {reference}")


def test_rescheduling_in_a_new_conversation_moves_the_booking(stack: Stack) -> None:
    person, reference, chat = booked_elsewhere(stack, pick=4)
    assert "reference" in chat("I want to reschedule my booking")
    chat(reference)
    current = chat(person.phone)
    assert f"Booking {reference} is now at" in current and chat.times_offered()
    new_time = chat.times_offered()[0]
    assert chat(new_time).startswith(f"Move {reference} from")
    assert chat("yes").startswith(f"Moved: booking {reference}")
    check = Chat(stack)
    check(f"check {reference}")
    found = check(person.phone)
    assert reference in found and new_time[11:16] in found  # one booking, at the new time


def test_moving_then_cancelling_with_a_yes_and_booking_again_in_simplified(stack: Stack) -> None:
    person, reference, chat = booked_elsewhere(stack, pick=5)
    assert "预约编号" in chat("我想把预约改个时间")
    chat(reference)
    chat(person.phone)
    chat(chat.times_offered()[1])
    assert chat("是").startswith(f"已改期：预约 {reference}")
    question = chat("帮我取消预约")
    assert re.fullmatch(rf"取消 {reference}（\d+月\d+日，星期.，\d\d:\d\d）？", question)
    assert chat("不用了").startswith(f"好的，没有改动，预约 {reference}")
    chat("帮我取消预约")
    assert chat("是").startswith(f"已取消预约 {reference}")
    rebook = next(p for p in chat.payloads() if p.startswith("/book_video_service"))
    again = chat(rebook)
    assert "不动产登记" in again and chat.times_offered()  # the same service, no need to name it


def test_a_service_the_user_did_not_name_is_never_booked(stack: Stack) -> None:
    chat = Chat(stack)
    question = chat("book an annual report for my sole proprietor business by video")
    assert "Is that the one you want to book?" in question and not chat.times_offered()
    refused = chat("no")
    assert "not in my list of services" in refused and "12345" in refused


def test_a_booking_request_with_a_day_never_opens_the_lookup(stack: Stack) -> None:
    day = coming_open_days(1)[0]
    for request in (f"幫我約{weekday_zh(day)}下晝視像", "我想約下個禮拜三上晝視像辦理",
                    f"I'd like a video slot on {weekday_en(day)} afternoon"):
        chat = Chat(stack)
        reply = chat(request)
        assert "編號" not in reply and "reference" not in reply, request
        assert "業務" in reply or "service" in reply, request


def test_asking_for_a_person_inside_either_form(stack: Stack) -> None:
    chat = Chat(stack)
    chat("我想預約視像辦物業登記")
    chat(chat.times_offered()[0])
    person = chat("我想搵真人")
    assert "12345" in person and person.rstrip().endswith("（與證件上一致）")
    lookup = Chat(stack)
    assert "reference" in lookup("check my booking")
    person = lookup("I want to talk to a person")
    assert "12345" in person and "booking reference" in person
    assert lookup("stop").startswith("OK")


def test_not_understood_offers_to_check_a_booking(stack: Stack) -> None:
    chat = Chat(stack)
    chat("/nlu_fallback")
    assert "/check_booking" in chat.payloads()
