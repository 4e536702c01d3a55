"""A clerk's day on the desk: the day's sessions, a phone revealed and audited, outcomes,
exports, cancelling and moving with notices, and an admin asked to resolve bookings first."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import datetime, timedelta

import icalendar
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.engine import Engine

from bot.staff import audit, notices
from tests.staff.conftest import NOW, Book, FakeWeChatApi
from tests.staff.desk_client import DeskClient

DAY = "/day?date=2026-12-01"


def remember_conversation(store: InMemoryTrackerStore, sender: str, channel: str, reference: str,
                          text: str, written: datetime) -> None:
    """A stored conversation that booked ``reference``, as Rasa keeps it."""
    events = [UserUttered(text, {"name": "book_video_service", "confidence": 1.0},
                          input_channel=channel, timestamp=written.timestamp()),
              SlotSet("booking_reference", reference, timestamp=written.timestamp() + 1)]
    asyncio.run(store.save(DialogueStateTracker.from_events(sender, events)))


def test_the_day_view_lists_each_slot_with_masked_details(clerk: DeskClient, book: Book) -> None:
    reference = book()
    page = clerk.get(DAY)
    assert page.status_code == 200
    row = page.text.split(f'data-reference="{reference}"')[1].split("</tr>")[0]
    assert "不动产登记" in row and "繁体" in row and "+852 ****4567" in row and "****4563" in row
    assert "91234567" not in page.text and "A1234563" not in page.text
    assert "已约 1 / 共 2" in page.text and "09:00" in page.text and "17:00" in page.text


def test_revealing_a_phone_is_audited(clerk: DeskClient, admin: DeskClient, book: Book,
                                      engine: Engine) -> None:
    reference = book()
    shown = clerk.post(f"/bookings/{reference}/reveal-phone")
    assert shown.status_code == 200 and "+85291234567" in shown.text
    (entry,) = audit.entries(engine, reference)
    assert (entry["actor"], entry["action"]) == ("clerk1", "reveal_phone")
    assert entry["at"].startswith("2026-12-01T10:00")
    log = admin.get(f"/admin/audit?subject={reference}").text
    assert "reveal_phone" in log and "clerk1" in log and "+85291234567" not in log


def test_marking_a_session_attended(clerk: DeskClient, book: Book, engine: Engine) -> None:
    reference = book()
    answer = clerk.post(f"/bookings/{reference}/outcome", {"outcome": "attended"})
    assert answer.status_code == 303 and answer.headers["Location"] == DAY
    page = clerk.get(DAY).text
    assert f"{reference} 已标记为到场" in page
    assert "已到场" in page.split(f'data-reference="{reference}"')[1].split("</tr>")[0]
    assert [e["action"] for e in audit.entries(engine, reference)] == ["attended"]
    later = book("2026-12-02T09:00+08:00")
    assert clerk.post(f"/bookings/{later}/outcome", {"outcome": "attended"}).status_code == 409
    assert clerk.post(f"/bookings/{later}/outcome", {"outcome": "eaten"}).status_code == 400


def test_unknown_bookings_are_404(clerk: DeskClient) -> None:
    for reference in ("JM-AAAA-AAAA", "nonsense", "JM-AAAA-AAAA%27"):
        assert clerk.get(f"/bookings/{reference}").status_code == 404
        assert clerk.post(f"/bookings/{reference}/outcome",
                          {"outcome": "attended"}).status_code == 404
    assert clerk.get("/day?date=2026-13-45").status_code == 400


def test_the_exports_are_csv_and_rfc_5545(clerk: DeskClient, book: Book) -> None:
    first, second = book(), book("2026-12-01T15:00+08:00", language="en")
    rows = list(csv.reader(io.StringIO(clerk.get("/day.csv?date=2026-12-01").text.lstrip("\ufeff"))))
    assert rows[0][:2] == ["时间", "预约编号"]
    assert [r[1] for r in rows[1:]] == [first, second]
    assert rows[1][5] == "+852 ****4567" and rows[2][3] == "英文"
    answer = clerk.get("/day.ics?date=2026-12-01")
    assert answer.headers["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(answer.content)
    events = calendar.walk("VEVENT")
    assert [str(e["UID"]).split("@")[0] for e in events] == [first, second]
    assert events[0].decoded("DTSTART") == datetime.fromisoformat("2026-12-01T14:30+08:00")
    assert events[0].decoded("DTEND") - events[0].decoded("DTSTART") == timedelta(minutes=30)
    assert str(calendar["VERSION"]) == "2.0" and "PRODID" in calendar


def test_a_centre_cancellation_reaches_a_wechat_resident_in_their_script(
        clerk: DeskClient, book: Book, tracker_store: InMemoryTrackerStore,
        wechat_api: FakeWeChatApi, engine: Engine) -> None:
    reference = book(language="zh-Hant")
    remember_conversation(tracker_store, "openid-1", "wechat", reference, "我想約視像辦",
                          NOW - timedelta(hours=3))
    answer = clerk.post(f"/bookings/{reference}/cancel",
                        {"reason": "staff_unavailable", "note": "陈同事病假"})
    assert answer.status_code == 303
    ((openid, text),) = wechat_api.sent
    assert openid == "openid-1" and reference in text
    assert "視像辦已取消" in text and "工作人員臨時無法辦理" in text and "病假" not in text
    assert "已发送" in clerk.get(DAY).text
    (notice,) = notices.notices_of(engine, reference)
    assert (notice["status"], notice["via"]) == ("sent", "wechat_message")
    assert "已约 0 / 共 2" in clerk.get(DAY).text  # the place is free again
    assert clerk.post(f"/bookings/{reference}/cancel", {"reason": "other"}).status_code == 409


def test_outside_the_48_hour_window_a_template_or_the_next_contact(
        clerk: DeskClient, book: Book, tracker_store: InMemoryTrackerStore,
        wechat_api: FakeWeChatApi, engine: Engine, monkeypatch: object) -> None:
    reference = book()
    remember_conversation(tracker_store, "openid-2", "wechat", reference, "我想约视频办",
                          NOW - timedelta(days=3))
    clerk.post(f"/bookings/{reference}/cancel", {"reason": "centre_closed"})
    assert wechat_api.sent == [] and wechat_api.templates == []  # no template configured
    (notice,) = notices.notices_of(engine, reference)
    assert (notice["status"], notice["via"], notice["language"]) == ("pending", "next_contact",
                                                                     "zh-Hans")
    (waiting,) = notices.pending_for(engine, "openid-2", NOW)
    notices.mark_shown(engine, [waiting["id"]], NOW)
    assert notices.pending_for(engine, "openid-2", NOW) == []  # shown once
    text = notices.notice_reply(waiting["kind"], waiting["fields"], "zh-Hans").text
    assert "视频办已取消" in text and "中心当天临时关闭" in text


def test_a_widget_resident_is_told_at_the_next_visit(clerk: DeskClient, book: Book,
                                                     tracker_store: InMemoryTrackerStore,
                                                     engine: Engine) -> None:
    reference = book(language="en")
    remember_conversation(tracker_store, "widget-session", "socketio", reference,
                          "I want to book a video session", NOW - timedelta(minutes=5))
    answer = clerk.post(f"/bookings/{reference}/move",
                        {"slot": "2026-12-02T09:30+08:00", "reason": "staff_unavailable"})
    assert answer.status_code == 303
    (waiting,) = notices.pending_for(engine, "widget-session", NOW)
    reply = notices.notice_reply(waiting["kind"], waiting["fields"], waiting["language"])
    assert "New time: Wed 2 Dec 2026, 09:30–10:00" in reply.text and "Was: Tue 1 Dec" in reply.text
    assert "2026-12-02T09:30" in clerk.get(f"/bookings/{reference}").text or \
        reference in clerk.get("/day?date=2026-12-02").text


def test_without_a_conversation_the_clerk_is_asked_to_call(clerk: DeskClient, book: Book) -> None:
    reference = book()
    clerk.post(f"/bookings/{reference}/cancel", {"reason": "other"})
    assert "无法通过聊天通知，请致电居民" in clerk.get(DAY).text


def test_moves_and_cancellations_are_validated(clerk: DeskClient, book: Book) -> None:
    reference = book()
    assert clerk.post(f"/bookings/{reference}/cancel", {"reason": ""}).status_code == 400
    assert clerk.post(f"/bookings/{reference}/cancel",
                      {"reason": "other", "note": "x" * 201}).status_code == 400
    for slot, status in (("tomorrow", 400), ("2026-12-05T09:00+08:00", 409),
                         ("2026-11-30T09:00+08:00", 409), ("2026-12-01T14:30+08:00", 409)):
        answer = clerk.post(f"/bookings/{reference}/move", {"slot": slot, "reason": "other"})
        assert answer.status_code == status, slot
    assert reference in clerk.get(DAY).text and "已约 1 / 共 2" in clerk.get(DAY).text


def test_closing_a_slot_with_a_booking_asks_to_resolve_it_first(admin: DeskClient, book: Book,
                                                                 engine: Engine) -> None:
    reference = book()
    close = {"slot": "2026-12-01T14:30", "action": "close", "note": "同事病假"}
    refused = admin.post("/admin/timetable/slots", close)
    assert refused.status_code == 409
    assert "请先处理以下预约" in refused.text and f"/bookings/{reference}" in refused.text
    assert "已关闭" not in admin.get(DAY).text.split("14:30")[1][:200]
    admin.post(f"/bookings/{reference}/move", {"slot": "2026-12-01T15:00+08:00",
                                               "reason": "staff_unavailable"})
    assert admin.post("/admin/timetable/slots", close).status_code == 303
    assert "已关闭" in admin.get(DAY).text.split("14:30")[1][:200]
    assert [e["action"] for e in audit.entries(engine)][:2] == ["slot_close", "move"]


def test_timetable_forms_are_checked(admin: DeskClient) -> None:
    good = {"capacity_per_slot": "3", "slot_minutes": "30", "min_notice_hours": "2",
            "max_days_ahead": "30", "morning_start": "09:00", "morning_end": "12:00",
            "afternoon_start": "14:30", "afternoon_end": "17:30"}
    bad = [{**good, "capacity_per_slot": "0"}, {**good, "morning_end": "08:00"},
           {**good, "afternoon_start": "11:00"}, {**good, "slot_minutes": "abc"}]
    for form in bad:
        answer = admin.http.post(f"{admin.url}/admin/timetable/settings",
                                 data={**form, "csrf": admin.csrf, "working_days": ["1", "2"]},
                                 timeout=10, allow_redirects=False)
        assert answer.status_code == 400 and 'role="alert"' in answer.text
    assert admin.post("/admin/timetable/days", {"day": "tomorrow", "kind": "closed"}).status_code == 400
    assert admin.post("/admin/timetable/slots", {"slot": "2026-12-01T14:31",
                                                 "action": "close"}).status_code == 400
    answer = admin.http.post(f"{admin.url}/admin/timetable/settings",
                             data={**good, "csrf": admin.csrf, "working_days": ["1", "2", "3"]},
                             timeout=10, allow_redirects=False)
    assert answer.status_code == 303
    assert "已约 0 / 共 3" in admin.get(DAY).text
    assert admin.get("/day?date=2026-12-02").text.count("已约 0 / 共 3") == 12
    assert "当天不办理视频办" in admin.get("/day?date=2026-12-04").text
