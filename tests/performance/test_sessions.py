"""Rasa's requests to other servers share one kept session per endpoint (bot/patches/sessions.py):
one connection for many requests, bodies as UTF-8, and a server that went away is reached again."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from rasa.utils.endpoints import EndpointConfig

from bot import patches
from bot.local_servers import free_port
from bot.patches.sessions import close_kept_sessions

TRACKER = {"sender_id": "s1", "events": [{"event": "user", "text": "點樣辦出世紙？"}]}


class Recorder:
    """A loopback server that answers with what it was sent and notes each request's connection."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.connections: list[tuple[str, int]] = []
        self.bodies: list[bytes] = []
        self._runner: web.AppRunner | None = None

    async def _echo(self, request: web.Request) -> web.Response:
        self.connections.append(request.transport.get_extra_info("peername"))
        self.bodies.append(await request.read())
        return web.json_response({"events": [], "got": json.loads(self.bodies[-1])})

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/webhook", self._echo)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        assert self._runner is not None
        await self._runner.cleanup()


@pytest.fixture
async def recorder() -> AsyncIterator[Recorder]:
    patches.apply_all()
    server = Recorder(free_port())
    await server.start()
    yield server
    await close_kept_sessions()
    await server.stop()


async def test_requests_to_one_endpoint_share_one_connection(recorder: Recorder) -> None:
    endpoint = EndpointConfig(f"http://127.0.0.1:{recorder.port}/webhook", token="secret")
    for _ in range(5):
        answer = await endpoint.request(json=TRACKER, method="post")
        assert answer["got"] == TRACKER  # the body arrives whole, Chinese included
    assert len(recorder.connections) == 5
    assert len(set(recorder.connections)) == 1
    assert "點樣辦出世紙".encode() in recorder.bodies[0]  # UTF-8, not \\u escapes


async def test_a_restarted_server_is_reached_on_a_new_connection(recorder: Recorder) -> None:
    endpoint = EndpointConfig(f"http://127.0.0.1:{recorder.port}/webhook")
    await endpoint.request(json=TRACKER, method="post")
    await recorder.stop()
    await recorder.start()
    assert (await endpoint.request(json=TRACKER, method="post"))["got"] == TRACKER
    assert len(set(recorder.connections)) == 2


async def test_closing_at_server_stop_leaves_the_endpoint_usable(recorder: Recorder) -> None:
    endpoint = EndpointConfig(f"http://127.0.0.1:{recorder.port}/webhook")
    await endpoint.request(json=TRACKER, method="post")
    await close_kept_sessions()
    assert (await endpoint.request(json=TRACKER, method="post"))["got"] == TRACKER
