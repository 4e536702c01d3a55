"""When the Rasa server asks the action server for a conversation's notices
(bot.channels.notices): on every message without Redis; with Redis, when the staff desk's flag is
up, on the first message of a conversation, and again after a failed request or a recheck
interval, so that a notice is never lost to a flag that could not be raised."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.utils.endpoints import EndpointConfig

from bot.channels import notices
from bot.local_servers import free_port
from bot.state import ChannelState, MemoryState, RedisState, notice_flags

NOTICE = {"text": "【江门市政务服务中心通知】你预约的视频办已取消。"}


class FakeActionServer:
    """``POST /notices``: the pending notice once, or a 500 while ``broken``."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.pending: set[str] = set()
        self.broken = False

    async def handle(self, request: web.Request) -> web.Response:
        conversation = (await request.json())["conversation_id"]
        self.asked.append(conversation)
        if self.broken:
            return web.json_response({"error": "down"}, status=500)
        if conversation in self.pending:
            self.pending.discard(conversation)
            return web.json_response({"messages": [NOTICE]})
        return web.json_response({"messages": []})


@pytest.fixture
async def action_server() -> AsyncIterator[tuple[FakeActionServer, EndpointConfig]]:
    fake = FakeActionServer()
    app = web.Application()
    app.router.add_post("/notices", fake.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield fake, EndpointConfig(url=f"http://127.0.0.1:{port}/webhook")
    await runner.cleanup()


@pytest.fixture
async def redis_state(redis_url: str) -> AsyncIterator[RedisState]:
    state = RedisState(redis_url, key_prefix=f"flags-{uuid.uuid4().hex[:6]}:")
    yield state
    await state.close()


async def _take(board: notices.NoticeBoard, conversation: str) -> list[dict]:
    return await board.take(UserMessage("你好", CollectingOutputChannel(), conversation))


async def test_without_redis_every_message_asks(action_server) -> None:
    fake, endpoint = action_server
    board = notices.NoticeBoard(endpoint, MemoryState())
    for _ in range(3):
        assert await _take(board, "alone") == []
    assert fake.asked == ["alone"] * 3


async def test_with_redis_a_conversation_is_asked_for_once_and_then_when_flagged(
        action_server, redis_state: ChannelState) -> None:
    fake, endpoint = action_server
    board = notices.NoticeBoard(endpoint, redis_state)
    assert await _take(board, "chatty") == []  # its first message here: asked
    assert await _take(board, "chatty") == []  # nothing was flagged since: not asked
    fake.pending.add("chatty")
    await notice_flags.raise_flag(redis_state, "chatty", ttl=60)  # what the staff desk does
    assert await _take(board, "chatty") == [NOTICE]
    assert await _take(board, "chatty") == []
    assert fake.asked == ["chatty", "chatty"]


async def test_a_failed_request_is_made_again_at_the_next_message_by_any_process(
        action_server, redis_state: ChannelState) -> None:
    fake, endpoint = action_server
    first, second = (notices.NoticeBoard(endpoint, redis_state) for _ in range(2))
    for board in (first, second):
        await _take(board, "unlucky")  # both processes have seen the conversation
    fake.pending.add("unlucky")
    await notice_flags.raise_flag(redis_state, "unlucky", ttl=60)
    fake.broken = True
    assert await _take(first, "unlucky") == []  # the answer goes out without it
    fake.broken = False
    assert await _take(second, "unlucky") == [NOTICE]  # the flag is up again


async def test_a_flag_that_was_never_raised_only_delays_the_notice(
        action_server, redis_state: ChannelState, monkeypatch: pytest.MonkeyPatch) -> None:
    fake, endpoint = action_server
    board = notices.NoticeBoard(endpoint, redis_state)
    await _take(board, "quiet")
    fake.pending.add("quiet")  # Redis was away when the staff desk recorded it: no flag
    assert await _take(board, "quiet") == []
    monkeypatch.setattr(notices, "RECHECK_SECONDS", 0.0)  # the recheck interval has passed
    assert await _take(board, "quiet") == [NOTICE]


async def test_when_redis_cannot_be_read_the_board_asks(action_server) -> None:
    fake, endpoint = action_server
    board = notices.NoticeBoard(endpoint, RedisState(f"redis://127.0.0.1:{free_port()}/0"))
    fake.pending.add("anyway")
    assert await _take(board, "anyway") == [NOTICE]
