"""The centre's side with the real stack: what residents do in the chat (REST channel) shows on
the desk, and what the desk does reaches the residents."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import redis
import requests
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from sqlalchemy import select

from bot.booking.schedule import beijing_now
from bot.channels.reliable import REST_CONVERSATION_PREFIX
from bot.conversations.reading import conversation_events
from bot.local_servers import free_port
from bot.stack import Stack
from bot.staff import accounts
from bot.staff.database import open_engine
from bot.staff.tables import ratings
from bot.state import notice_flags
from bot.state.redis import KEY_PREFIX
from tests.chat import say, texts
from tests.staff.desk_client import PASSWORD, DeskClient

pytestmark = pytest.mark.stack


def staff(stack: Stack, role: str) -> DeskClient:
    name = f"{role}-{uuid.uuid4().hex[:8]}"
    accounts.add_user(open_engine(stack.env["BOOKING_DATABASE_URL"]), name, role, PASSWORD,
                      beijing_now())
    client = DeskClient(stack.staff_url)
    assert client.log_in(name).status_code == 303
    return client


def test_a_callback_requested_in_the_chat_is_claimed_and_closed_on_the_desk(stack: Stack) -> None:
    resident = uuid.uuid4().hex
    handoff = say(stack, "我想搵真人", resident)[0]
    assert "留下電話，工作人員在辦公時間內給你回電" in handoff["text"]
    assert {"title": "請工作人員回電", "payload": "/request_callback"} in handoff["buttons"]
    assert "保存你的電話" in texts(say(stack, "/request_callback", resident))
    assert "聯繫電話" in texts(say(stack, "/affirm", resident))
    registered = texts(say(stack, "+852 6123 9876", resident))
    assert "已登記回電請求" in registered and "+852 ****9876" in registered
    assert "辦公時間：" in registered and "回電" in registered
    clerk = staff(stack, "clerk")
    queue = clerk.get("/callbacks").text
    row = queue.split("+852 ****9876")[0].rsplit('data-callback="', 1)[1]
    callback_id = row.split('"')[0]
    assert "61239876" not in queue and "我想搵真人" in queue  # the last turns, masked
    assert clerk.post(f"/callbacks/{callback_id}/claim").status_code == 303
    revealed = clerk.post(f"/callbacks/{callback_id}/reveal-phone")
    assert "+85261239876" in revealed.text
    closed = clerk.post(f"/callbacks/{callback_id}/close", {"outcome": "reached", "note": ""})
    assert closed.status_code == 303
    assert f"回电请求 {callback_id} 已完成" in clerk.get("/callbacks").text


def test_a_rating_given_in_the_chat_is_counted_in_the_report(stack: Stack) -> None:
    resident = uuid.uuid4().hex
    goodbye = say(stack, "拜拜", resident)
    offer = goodbye[-1]
    assert [b["title"] for b in offer["buttons"]] == ["非常滿意", "滿意", "基本滿意", "不滿意",
                                                      "非常不滿意"]
    assert "意見" in texts(say(stack, offer["buttons"][3]["payload"], resident))
    after = say(stack, "等咗好耐，我電話係 +852 6123 4567", resident)
    assert "請給我回電" in str(after[-1]["buttons"])
    engine = open_engine(stack.env["BOOKING_DATABASE_URL"])
    with engine.connect() as connection:
        stored = connection.execute(select(ratings).order_by(ratings.c.id.desc())).mappings().first()
    assert (stored["rating"], stored["context"], stored["channel"]) == (2, "goodbye", "rest")
    assert "61234567" not in stored["comment"] and "****4567" in stored["comment"]
    call_me = after[-1]["buttons"][0]["payload"]
    assert call_me == '/request_callback{"callback_reason":"rating"}'
    for text in (call_me, "/affirm", "+852 6123 4567"):
        answer = say(stack, text, resident)
    assert "已登記回電請求" in texts(answer) and "評價" not in texts(answer)  # not asked again
    queue = staff(stack, "clerk").get("/callbacks").text
    row = queue.split("+852 ****4567")[0].rsplit("<tr", 1)[1]
    assert "不满意评价" in row and "评价：2 分" in row
    report = staff(stack, "admin").get("/admin/insights?days=1").text
    assert 'data-key="rest"' in report
    rest_row = report.split('data-key="rest"')[1].split("</tr>")[0]
    assert "<td>1</td>" in rest_row or "不满意" in report


def test_a_typed_rating_in_english(stack: Stack) -> None:
    resident = uuid.uuid4().hex
    say(stack, "goodbye", resident)
    assert "comment" in texts(say(stack, "very satisfied", resident))
    assert texts(say(stack, "/deny", resident)) == "Thank you for rating us!"


def book_through_the_chat(stack: Stack, resident: str) -> str:
    """A 视频办 booking made the way a resident makes it; its reference."""
    (ask_time,) = say(stack, "我想預約視像辦物業登記", resident)
    for answer in (ask_time["buttons"][0]["payload"], "陳大文", "+852 9123 4567",
                   '/inform{"id_type":"hkid"}', "A123456(3)"):
        say(stack, answer, resident)
    booked = texts(say(stack, "好", resident))
    return booked.split("預約編號：")[1].split()[0]


def test_a_centre_cancellation_is_shown_when_the_resident_next_writes(stack: Stack) -> None:
    resident = uuid.uuid4().hex
    reference = book_through_the_chat(stack, resident)
    clerk = staff(stack, "clerk")
    day = clerk.get(f"/bookings/{reference}").text
    assert "+852 ****4567" in day and "91234567" not in day
    cancelled = clerk.post(f"/bookings/{reference}/cancel", {"reason": "staff_unavailable"})
    assert cancelled.status_code == 303
    assert "待居民下次留言时告知" in clerk.get(f"/bookings/{reference}").text
    notice, *answer = say(stack, "你好", resident)
    assert notice["text"].startswith("【江門市政務服務中心通知】你預約的視像辦已取消。")
    assert reference in notice["text"] and "工作人員臨時無法辦理" in notice["text"]
    assert answer and answer[0]["text"].startswith("你好！")
    assert "已告知" in clerk.get(f"/bookings/{reference}").text
    assert "【江門" not in texts(say(stack, "你好", resident))  # told once


def test_with_two_workers_the_staff_desks_flag_brings_the_notice(tmp_path: Path) -> None:
    """Two Rasa workers sharing Redis ask for notices only when the staff desk has flagged the
    conversation (bot.state.notice_flags); the cancellation still comes at the next message, once,
    on whichever worker takes it."""
    with Stack(rasa_port=free_port(), action_port=free_port(), booking_port=free_port(),
               booking_database=f"sqlite:///{tmp_path}/booking.db", run_dir=tmp_path,
               rasa_workers=2, environment={"RATE_LIMIT_PER_ADDRESS": "1000000"}) as workers:
        resident = uuid.uuid4().hex
        reference = book_through_the_chat(workers, resident)
        staff(workers, "clerk").post(f"/bookings/{reference}/cancel",
                                     {"reason": "staff_unavailable"})
        flag = f"{KEY_PREFIX}{notice_flags.PREFIX}{REST_CONVERSATION_PREFIX}{resident}"
        shared = redis.Redis.from_url(workers.redis_url)
        assert shared.exists(flag)
        notice, *answer = say(workers, "你好", resident)
        assert reference in notice["text"] and answer
        assert not shared.exists(flag)
        assert all("【江門" not in texts(say(workers, "你好", resident)) for _ in range(3))


def test_a_notice_is_in_the_script_of_the_message_it_comes_before(stack: Stack) -> None:
    resident = uuid.uuid4().hex
    reference = book_through_the_chat(stack, resident)  # in Traditional
    staff(stack, "clerk").post(f"/bookings/{reference}/cancel", {"reason": "staff_unavailable"})
    notice, *answer = say(stack, "hello, is my booking still on?", resident)
    assert reference in notice["text"] and "cancelled" in notice["text"].lower()
    assert answer


def test_the_desk_is_not_on_the_public_port(stack: Stack) -> None:
    for path in ("/login", "/day", "/callbacks", "/admin/timetable", "/static/desk.css"):
        answer = requests.get(f"{stack.rasa_url}{path}", timeout=10)
        assert answer.status_code == 404, path
    assert requests.get(f"{stack.staff_url}/login", timeout=10).status_code == 200
    assert stack.staff_url.startswith("http://127.0.0.1:")


def test_the_callback_phone_is_masked_in_the_conversation(stack: Stack) -> None:
    resident = uuid.uuid4().hex
    for text in ("/request_callback", "/affirm", "+853 6612 3344"):
        say(stack, text, resident)
    tracker_store = SQLTrackerStore(Domain.empty(), dialect="sqlite",
                                    db=str(stack.run_dir / f"tracker-{stack.rasa_port}.db"))
    conversation = REST_CONVERSATION_PREFIX + resident
    slots = [e for e in conversation_events(tracker_store, conversation) if e.get("event") == "slot"]
    phones = [e["value"] for e in slots if e["name"] == "callback_phone" and e["value"]]
    assert phones == ["+853 ****3344"]
    assert not any("66123344" in str(e.get("value")) for e in slots)
