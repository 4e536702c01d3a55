"""Notices and reminders by channel, with a fake of the WeChat channel's API (contract 8)."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta

from rasa.core.tracker_store import InMemoryTrackerStore
from sqlalchemy.engine import Engine

from bot.staff import notices
from bot.staff.notify import Notifier, find_contact
from bot.staff.wechat import WeChatSender
from bot.state import MemoryState, notice_flags
from tests.staff.conftest import NOW, Book, FakeClock, FakeWeChatApi
from tests.staff.test_day import remember_conversation


def notifier(engine: Engine, store: InMemoryTrackerStore, api: FakeWeChatApi, clock: FakeClock,
             template: str = "") -> Notifier:
    sender = WeChatSender(api=api, template_id=template)
    return Notifier(engine, lambda ref: find_contact(store, ref), {"wechat": sender}, clock)


def test_reminders_go_out_the_day_before_once_where_the_channel_allows(
        engine: Engine, book: Book, tracker_store: InMemoryTrackerStore,
        wechat_api: FakeWeChatApi, clock: FakeClock) -> None:
    on_wechat, on_widget, nowhere = (book(f"2026-12-02T{time}+08:00", language=lang)
                                     for time, lang in (("09:30", "zh-Hant"), ("10:00", "en"),
                                                        ("10:30", "zh-Hans")))
    book("2026-12-03T09:30+08:00")  # not tomorrow
    remember_conversation(tracker_store, "openid-9", "wechat", on_wechat, "約視像辦",
                          NOW - timedelta(hours=1))
    remember_conversation(tracker_store, "widget-9", "socketio", on_widget, "book a session",
                          NOW - timedelta(hours=1))
    sending = notifier(engine, tracker_store, wechat_api, clock)
    clock.now = NOW.replace(hour=8)  # before the reminder hour
    assert asyncio.run(sending.send_due_reminders()) == 0
    clock.now = NOW  # 10:00
    assert asyncio.run(sending.send_due_reminders()) == 3
    assert asyncio.run(sending.send_due_reminders()) == 0  # once per booking
    ((openid, text),) = wechat_api.sent
    assert openid == "openid-9" and "你明天有視像辦預約" in text and on_wechat in text
    statuses = {ref: notices.notices_of(engine, ref)[0]["status"]
                for ref in (on_wechat, on_widget, nowhere)}
    assert statuses == {on_wechat: "sent", on_widget: "no_push", nowhere: "unreachable"}
    assert notices.pending_for(engine, "widget-9", NOW) == []  # a late reminder reminds no one
    fields = notices.notices_of(engine, on_widget)[0]["fields"]
    assert "Reminder: your video session is tomorrow." in notices.notice_reply(
        "reminder", json.loads(fields), "en").text


def test_outside_the_window_a_configured_template_is_used(
        engine: Engine, book: Book, tracker_store: InMemoryTrackerStore,
        wechat_api: FakeWeChatApi, clock: FakeClock) -> None:
    reference = book()
    remember_conversation(tracker_store, "openid-3", "wechat", reference, "预约", NOW - timedelta(days=5))
    sending = notifier(engine, tracker_store, wechat_api, clock, template="TEMPLATE-1")
    booking = {"reference": reference, "service_id": "property_registration",
               "slot_start": datetime.fromisoformat("2026-12-01T14:30+08:00"), "language": "zh-Hans"}
    assert asyncio.run(sending.booking_changed("cancelled", booking, "centre_closed")) == "sent"
    ((openid, template, data),) = wechat_api.templates
    assert (openid, template) == ("openid-3", "TEMPLATE-1")
    assert data == {"character_string1": {"value": reference},
                    "time2": {"value": "2026-12-01 14:30"}, "thing3": {"value": "视频办已取消"}}
    assert notices.notices_of(engine, reference)[0]["via"] == "wechat_template"


def test_a_failing_wechat_api_leaves_a_note_for_the_next_message(
        engine: Engine, book: Book, tracker_store: InMemoryTrackerStore, clock: FakeClock) -> None:
    class Broken:
        async def send_text(self, openid: str, text: str) -> None:
            raise RuntimeError("45047 out of response count limit")

    reference = book()
    remember_conversation(tracker_store, "openid-4", "wechat", reference, "预约", NOW - timedelta(hours=2))
    state = MemoryState()
    sending = Notifier(engine, lambda ref: find_contact(tracker_store, ref),
                       {"wechat": WeChatSender(api=Broken(), template_id="")}, clock, state)
    booking = {"reference": reference, "service_id": "property_registration",
               "slot_start": datetime.fromisoformat("2026-12-01T14:30+08:00"), "language": "zh-Hans"}
    assert asyncio.run(sending.booking_changed("cancelled", booking, "other")) == "pending"
    assert notices.pending_for(engine, "openid-4", NOW)[0]["via"] == "next_contact"
    # and the Rasa server is told to ask for it at the next message (bot.channels.notices)
    assert asyncio.run(notice_flags.take_flag(state, "openid-4"))


def test_the_latest_conversation_about_a_booking_is_the_one_told(
        book: Book, tracker_store: InMemoryTrackerStore) -> None:
    reference = book()
    remember_conversation(tracker_store, "widget-old", "socketio", reference, "我想预约",
                          NOW - timedelta(days=2))
    remember_conversation(tracker_store, "openid-new", "wechat", reference, "查一下我嘅預約",
                          NOW - timedelta(hours=2))
    contact = find_contact(tracker_store, reference)
    assert contact and (contact.sender_id, contact.channel, contact.language) == (
        "openid-new", "wechat", "zh-Hant")
    assert find_contact(tracker_store, "JM-NONE-NONE") is None
