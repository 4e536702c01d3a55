"""The widget's Socket.IO channel and history endpoint on the real stack, at the protocol level:
signed sessions, the origin check, the length cap, the rate limit and GET /widget/history."""

from __future__ import annotations

import asyncio
import os

import pytest
import requests
import websockets

from bot.channels.reliable import MAX_MESSAGE_CHARS
from bot.stack import Stack
from tests.chat import WidgetSocket

pytestmark = pytest.mark.stack


def history(stack: Stack, authorization: str) -> requests.Response:
    return requests.get(f"{stack.rasa_url}/widget/history",
                        headers={"Authorization": authorization}, timeout=30)


def test_a_session_is_resumed_only_with_its_token(stack: Stack) -> None:
    async def scenario() -> None:
        async with WidgetSocket.open(stack.rasa_url) as owner:
            session = await owner.start_session()
            replies, ack = await owner.say("我喺香港，可唔可以辦江門嘅物業登記？")
            assert ack == {"status": "done"} and replies[0]["text"]
        # a second client that knows only the session id gets a session of its own
        async with WidgetSocket.open(stack.rasa_url) as intruder:
            other = await intruder.start_session(session["session_id"])
            assert other["session_id"] != session["session_id"]
            replies, ack = await intruder.say("你好", session_id=session["session_id"])
            assert ack == {"status": "refused", "reason": "no_session"} and not replies
        # the owner, back with its token, continues the same conversation
        async with WidgetSocket.open(stack.rasa_url, token=session["token"]) as owner:
            assert await owner.start_session(session["session_id"]) == session

    asyncio.run(scenario())


def test_history_needs_the_token_and_shows_the_conversation(stack: Stack) -> None:
    async def chat() -> dict[str, str]:
        async with WidgetSocket.open(stack.rasa_url) as socket:
            session = await socket.start_session()
            replies, _ = await socket.say("where can I find a service point")
            await socket.say(replies[-1]["quick_replies"][0]["payload"])
            return session

    session = asyncio.run(chat())
    assert history(stack, f"Bearer {session['session_id']}").status_code == 401
    assert history(stack, f"Bearer {session['session_id']}.{'0' * 64}").status_code == 401
    answer = history(stack, f"Bearer {session['session_id']}.{session['token']}")
    assert answer.status_code == 200
    messages = answer.json()["messages"]
    assert [m["from"] for m in messages[:3]] == ["user", "bot", "user"]
    assert messages[0]["text"] == "where can I find a service point"
    # a button press shows the button's title, as the widget showed it
    assert messages[2]["text"] == messages[1]["buttons"][0]["title"]


def test_a_disallowed_origin_is_refused(stack: Stack) -> None:
    async def connect(origin: str) -> None:
        async with WidgetSocket.open(stack.rasa_url, origin=origin) as socket:
            await socket.start_session()

    with pytest.raises(websockets.InvalidStatusCode):
        asyncio.run(connect("https://evil.example"))
    asyncio.run(connect(stack.rasa_url))  # the demo page's own origin
    refused = requests.options(f"{stack.rasa_url}/widget/history", timeout=10,
                               headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in refused.headers


def test_an_over_long_message_gets_a_clear_error(stack: Stack) -> None:
    async def scenario() -> None:
        async with WidgetSocket.open(stack.rasa_url) as socket:
            await socket.start_session()
            replies, ack = await socket.say("辦" * (MAX_MESSAGE_CHARS + 1))
            assert ack == {"status": "refused", "reason": "too_long"}
            assert replies[0]["notice"] == "too_long"
            assert str(MAX_MESSAGE_CHARS) in replies[0]["text"]
            assert "字" in replies[0]["text"]  # in the script the user wrote
            for bad in (None, 42, {"message": ["x"]}):
                await socket.emit("user_uttered", bad)
            replies, ack = await socket.say("hello")  # still answering
            assert ack == {"status": "done"} and replies

    asyncio.run(scenario())


def test_a_flood_gets_one_notice(stack: Stack) -> None:
    limit = int(os.environ.get("RATE_LIMIT_PER_SENDER", "30"))

    async def scenario() -> None:
        async with WidgetSocket.open(stack.rasa_url) as socket:
            await socket.start_session()
            for _ in range(limit):
                await socket.emit("user_uttered", {"message": "/greet",
                                                   "session_id": socket.session["session_id"]})
            refused = [await socket.say("/greet", timeout=10) for _ in range(3)]
            notices = [m for replies, _ in refused for m in replies if m.get("notice")]
            assert [ack for _, ack in refused] == [{"status": "refused",
                                                    "reason": "rate_limited"}] * 3
            assert len(notices) == 1 and notices[0]["notice"] == "rate_limited"

    asyncio.run(scenario())
