"""The real stack, started by the project's own runner: Rasa server + action server with NLG.

Talks to it the way the website and users do: the REST webhook and Socket.IO.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from bot.local_servers import free_port
from bot.stack import Stack
from tests.chat import say, socketio_chat, texts

pytestmark = pytest.mark.stack


def test_greeting_in_the_users_script_with_buttons(stack: Stack) -> None:
    (message,) = say(stack, "哈囉，你好呀")
    assert message["text"].startswith("你好！我是江門“跨境通辦”助手")
    assert {"title": "預約視像辦", "payload": "/book_video_service"} in message["buttons"]


def test_the_six_kinds_of_question(stack: Stack) -> None:
    user = uuid.uuid4().hex
    eligibility = texts(say(stack, "我喺香港，可唔可以辦江門嘅物業登記？", user))
    assert "不動產登記\n主管：江門市自然資源局" in eligibility and "以官方公佈為準" in eligibility
    assert "回鄉證" in texts(say(stack, "要帶咩文件", user))  # follow-up on the same service
    browse = texts(say(stack, "在澳门可以办江门哪些业务"))
    assert browse.startswith("江门官方公布：")  # the official totals, beside what we confirmed
    points = texts(say(stack, "Where is the service point in Macau?"))
    assert "Macau Jiangmen Association" in points and "not published" in points
    person = texts(say(stack, "我想转人工"))
    assert "12345" in person and "+86 750 12345" in person
    english = texts(say(stack, "Do I need to go to Jiangmen in person for marriage registration?"))
    assert "Must be done in person" in english
    assert "天氣" not in texts(say(stack, "今日天氣點呀"))


def test_a_button_payload(stack: Stack) -> None:
    reply = texts(say(stack, '/ask_materials{"service":"marriage_registration"}'))
    assert "婚姻" in reply or "结婚" in reply or "結婚" in reply


def test_bad_requests_get_a_reason(stack: Stack) -> None:
    url = f"{stack.rasa_url}/webhooks/rest/webhook"
    not_json = requests.post(url, data=b"<xml/>", timeout=10)
    assert not_json.status_code == 400 and "JSON" in not_json.json()["error"]
    no_sender = requests.post(url, json={"message": "hi"}, timeout=10)
    assert no_sender.status_code == 400 and "sender" in no_sender.json()["error"]
    too_long = requests.post(url, json={"sender": "x", "message": "辦" * 5000}, timeout=10)
    assert too_long.status_code == 400


def test_socketio_widget_round_trip(stack: Stack) -> None:
    reply = asyncio.run(socketio_chat(stack.rasa_url, "where can I find a service point"))
    assert reply["text"] == "Where would you like to find a service point?"
    assert reply["quick_replies"][0]["payload"] == '/find_service_point{"region":"hong_kong"}'


def test_book_look_up_and_cancel_a_video_session(stack: Stack) -> None:
    user = uuid.uuid4().hex
    (ask_time,) = say(stack, "我想預約視像辦物業登記", user)
    first_slot = ask_time["buttons"][0]["payload"]  # an ISO time offered by the booking service
    assert "名" in texts(say(stack, first_slot, user))
    assert "電話" in texts(say(stack, "陳大文", user))
    assert "證件" in texts(say(stack, "+852 9123 4567", user))
    assert "號碼" in texts(say(stack, '/inform{"id_type":"hkid"}', user))
    summary = texts(say(stack, "A123456(3)", user))
    assert "****4563" in summary and "A123456" not in summary
    booked = texts(say(stack, "好", user))
    reference = booked.split("預約編號：")[1].split()[0]
    assert reference.startswith("JM-")

    other = uuid.uuid4().hex  # someone else, who must give the reference and phone
    assert "編號" in texts(say(stack, "查一下我嘅預約", other))
    assert "電話" in texts(say(stack, reference, other))
    assert "狀態：已預約" in texts(say(stack, "+852 9123 4567", other))
    # the booking just looked up is the one to cancel: no need to ask again, only to confirm
    assert texts(say(stack, "取消我的預約", other)).startswith(f"取消 {reference}（")
    assert texts(say(stack, "係", other)).startswith(f"已取消預約 {reference}")


@pytest.fixture
def own_stack(tmp_path: Path) -> Iterator[Stack]:
    """A stack of this test's own, for tests that break it."""
    with Stack(rasa_port=free_port(), action_port=free_port(), booking_port=free_port(),
               booking_database=f"sqlite:///{tmp_path}/booking.db") as running:
        yield running


def test_action_server_down_gets_an_apology_not_silence(own_stack: Stack) -> None:
    stack = own_stack
    action_server = stack.server("action server")
    os.killpg(action_server.process.pid, signal.SIGTERM)
    action_server.process.wait(timeout=15)
    (message,) = say(stack, "我想預約視像辦物業登記")  # the booking form needs the action server
    assert "你的問題沒有丟失" in message["text"]
    assert message["buttons"][0] == {"title": "再試一次", "payload": "我想預約視像辦物業登記"}
    json.dumps(message)  # the apology is plain data the widget can render
    # the Rasa server answers questions about the catalog itself (bot.in_process_actions)
    assert "不動產登記" in texts(say(stack, "物業登記使唔使親身去"))
