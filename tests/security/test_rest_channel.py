"""The REST webhook as a trusted-integration channel: bad requests get a 400 with a reason, a
flood gets one polite notice per refused message and never reaches the bot, the limits are
shared through Redis, and REST conversations are kept apart from the other channels'.

A real Sanic server with our RestInput in front of a stand-in bot that echoes.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
from rasa.core.channels.channel import UserMessage
from sanic import Sanic

from bot.channels.limits import Limits
from bot.channels.reliable import MAX_MESSAGE_CHARS, RestInput
from bot.local_servers import free_port
from bot.state import MemoryState, RedisState

# Several Sanic apps in one process (one per test): Sanic's own test mode allows that.
Sanic.test_mode = True


class EchoBot:
    def __init__(self) -> None:
        self.conversations: list[str] = []

    async def __call__(self, message: UserMessage) -> None:
        self.conversations.append(message.sender_id)
        await message.output_channel.send_response(message.sender_id, {"text": f"echo {message.text}"})


@asynccontextmanager
async def rest_server(channel: RestInput, bot: EchoBot) -> AsyncIterator[str]:
    """The channel on a free loopback port, as Rasa mounts it; yields the webhook URL."""
    app = Sanic(f"rest_{uuid.uuid4().hex[:8]}")
    app.blueprint(channel.blueprint(bot), url_prefix="/webhooks/rest")
    port = free_port()
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
    await server.startup()
    try:
        yield f"http://127.0.0.1:{port}/webhooks/rest/webhook"
    finally:
        server.close()
        await server.wait_closed()


async def _post(session: aiohttp.ClientSession, url: str, body: Any) -> tuple[int, Any, Any]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    async with session.post(url, data=data) as answer:
        return answer.status, await answer.json(content_type=None), answer.headers


async def test_a_flood_gets_the_notice_and_never_reaches_the_bot() -> None:
    bot = EchoBot()
    channel = RestInput(MemoryState(), Limits(window_seconds=60, per_sender=3, per_address=100))
    async with rest_server(channel, bot) as url, aiohttp.ClientSession() as session:
        answers = [await _post(session, url, {"sender": "flood", "message": "物業登記點辦"})
                   for _ in range(5)]
        english = await _post(session, url, {"sender": "flood", "message": "how do I register"})
        calm = await _post(session, url, {"sender": "calm", "message": "你好"})
    assert [status for status, _, _ in answers] == [200, 200, 200, 429, 429]
    _, (notice,), headers = answers[-1]
    assert notice == {"recipient_id": "flood",
                      "text": "你發送得太快了，這條消息沒有處理。請等一分鐘再發送；急事可致電12345。"}
    assert headers["Retry-After"] == "60"
    assert english[0] == 429 and english[1][0]["text"].startswith("You are sending messages too")
    assert calm[0] == 200
    assert bot.conversations == ["rest:flood"] * 3 + ["rest:calm"]  # nothing queued


async def test_one_address_with_many_senders_is_refused() -> None:
    bot = EchoBot()
    channel = RestInput(MemoryState(), Limits(window_seconds=60, per_sender=100, per_address=2))
    async with rest_server(channel, bot) as url, aiohttp.ClientSession() as session:
        statuses = [(await _post(session, url, {"sender": f"s{n}", "message": "hi"}))[0]
                    for n in range(3)]
    assert statuses == [200, 200, 429]


async def test_replicas_share_the_limits_through_redis(redis_url: str) -> None:
    """Two channels with their own Redis connections, as two Rasa replicas have."""
    limits = Limits(window_seconds=60, per_sender=3, per_address=100)
    sender = uuid.uuid4().hex
    first, second = RedisState(redis_url), RedisState(redis_url)
    async with rest_server(RestInput(first, limits), EchoBot()) as url_a, \
            rest_server(RestInput(second, limits), EchoBot()) as url_b, \
            aiohttp.ClientSession() as session:
        statuses = [(await _post(session, url, {"sender": sender, "message": "hi"}))[0]
                    for url in (url_a, url_b, url_a, url_b)]
    await first.close()
    await second.close()
    assert statuses == [200, 200, 200, 429]


class BrokenState(MemoryState):
    async def incr(self, key: str, ttl: float) -> int:
        raise ConnectionError("redis is down")


async def test_without_the_limits_store_users_are_still_served() -> None:
    bot = EchoBot()
    async with rest_server(RestInput(BrokenState()), bot) as url, \
            aiohttp.ClientSession() as session:
        status, (reply,), _ = await _post(session, url, {"sender": "me", "message": "hi"})
    assert status == 200 and reply == {"recipient_id": "me", "text": "echo hi"}


BAD_REQUESTS = [
    b"<xml/>", b"", b"null", b"[1, 2]", b'{"sender": "x", "message": "\xff\xfe"}',
    b'{"sender": "x", "message": "\\ud800"}', b"[" * 30000 + b"]" * 30000,
    b'{"sender": "x", "message": "hi", "n": ' + b"9" * 5000 + b"}",
    {"message": "hi"}, {"sender": 5, "message": "hi"}, {"sender": "x" * 200, "message": "hi"},
    {"sender": "  ", "message": "hi"}, {"sender": "x", "message": None},
    {"sender": "x", "message": ["hi"]}, {"sender": "x", "message": " \n\t"},
    {"sender": "x", "message": "辦" * (MAX_MESSAGE_CHARS + 1)},
    {"sender": "x", "message": "hi", "metadata": []},
    {"sender": "x", "message": "hi", "metadata": {"note": "\ud800"}},
]


@pytest.mark.parametrize("body", BAD_REQUESTS, ids=range(len(BAD_REQUESTS)))
async def test_bad_requests_get_a_reason_and_never_reach_the_bot(body: Any) -> None:
    bot = EchoBot()
    async with rest_server(RestInput(MemoryState()), bot) as url, \
            aiohttp.ClientSession() as session:
        if isinstance(body, dict) and "\ud800" in json.dumps(body):
            body = json.dumps(body).encode()  # \ud800 escaped, as a client could send it
        status, answer, _ = await _post(session, url, body)
    assert status == 400 and answer["error"]
    assert bot.conversations == []


async def test_the_caller_cannot_choose_the_input_channel() -> None:
    bot = EchoBot()
    async with rest_server(RestInput(MemoryState()), bot) as url, \
            aiohttp.ClientSession() as session:
        status, _, _ = await _post(session, url, {"sender": "me", "message": "hi",
                                                  "input_channel": {"not": "a name"}})
    assert status == 200 and bot.conversations == ["rest:me"]
