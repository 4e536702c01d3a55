"""What the WeChat tests cannot reach, faked on loopback: WeChat's own API servers (stable_token,
客服 messages, the menu), and a slow action server (a proxy in front of the real one that holds
the turns of chosen users, so that their answers come late).

The fake follows WeChat's documented behaviour (docs/wechat.md): a token stays the same while it
is valid; a 客服 message needs a valid token, the JSON shape of a text message, at most 2048 bytes,
and an open window (5 messages for 48 h after a user message, 3 for a minute after a menu click or
a subscribe); errcodes as WeChat gives them.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import threading
import time
from collections import defaultdict
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from bot.local_servers import free_port

APP_ID = "wx5c0ffee5c0ffee00"


class LoopbackServers:
    """aiohttp apps served from a thread of their own, so that sync and async tests can use them."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._runners: list[web.AppRunner] = []
        self._thread.start()

    def serve(self, app: web.Application) -> str:
        return self._run(self._serve(app))

    async def _serve(self, app: web.Application) -> str:
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        self._runners.append(runner)
        return f"http://127.0.0.1:{port}"

    def _run(self, work: Awaitable[Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(timeout=30)

    def close(self) -> None:
        for runner in self._runners:
            self._run(runner.cleanup())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)


@dataclass
class Sent:
    openid: str
    text: str
    at: float  # monotonic


@dataclass
class FakeWeChat:
    app_id: str = APP_ID
    secret: str = field(default_factory=lambda: secrets.token_hex(16))
    customer_service_rights: bool = True
    token_fetches: int = 0
    sent: list[Sent] = field(default_factory=list)
    menus: list[dict[str, Any]] = field(default_factory=list)
    _token: str | None = None
    _token_expiry: float = 0.0
    # openid -> [(window expiry, quota left)]
    _windows: dict[str, list[list[float]]] = field(default_factory=lambda: defaultdict(list))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/cgi-bin/stable_token", self._stable_token)
        app.router.add_post("/cgi-bin/message/custom/send", self._custom_send)
        app.router.add_post("/cgi-bin/menu/create", self._menu_create)
        return app

    # what WeChat learns from its users (the tests call these when a user "writes")

    def user_wrote(self, openid: str) -> None:
        self._open(openid, 48 * 3600, 5)

    def user_clicked(self, openid: str) -> None:
        self._open(openid, 60, 3)

    def _open(self, openid: str, seconds: float, quota: int) -> None:
        with self._lock:
            self._windows[openid].append([time.monotonic() + seconds, quota])

    def texts_to(self, openid: str) -> list[str]:
        with self._lock:
            return [sent.text for sent in self.sent if sent.openid == openid]

    async def wait_for_texts(self, openid: str, count: int = 1, timeout: float = 15) -> list[str]:
        deadline = time.monotonic() + timeout
        while len(self.texts_to(openid)) < count and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        return self.texts_to(openid)

    # the endpoints

    async def _stable_token(self, request: web.Request) -> web.Response:
        body = await _json(request)
        if body is None or body.get("grant_type") != "client_credential":
            return _error(40002, "invalid grant_type")
        if body.get("appid") != self.app_id:
            return _error(40013, "invalid appid")
        if body.get("secret") != self.secret:
            return _error(40125, "invalid appsecret")
        with self._lock:
            self.token_fetches += 1
            if body.get("force_refresh") or self._token is None \
                    or self._token_expiry <= time.monotonic():
                self._token = secrets.token_urlsafe(48)
                self._token_expiry = time.monotonic() + 7200
            remaining = int(self._token_expiry - time.monotonic())
            return web.json_response({"access_token": self._token, "expires_in": remaining})

    def _token_problem(self, request: web.Request) -> web.Response | None:
        token = request.query.get("access_token")
        if not token:
            return _error(41001, "access_token missing")
        if token != self._token or self._token_expiry <= time.monotonic():
            return _error(40001, "invalid credential, access_token is invalid or not latest")
        return None

    async def _custom_send(self, request: web.Request) -> web.Response:
        problem = self._token_problem(request)
        if problem is not None:  # (a web.Response is falsy: it is an empty mapping)
            return problem
        body = await _json(request)
        if body is None:
            return _error(47001, "data format error")
        openid, text = body.get("touser"), (body.get("text") or {}).get("content")
        if not isinstance(openid, str) or not openid:
            return _error(40003, "invalid openid")
        if body.get("msgtype") != "text" or not isinstance(text, str) or not text:
            return _error(40008, "invalid message type")
        if len(text.encode("utf-8")) > 2048:
            return _error(45002, "content size out of limit")
        if not self.customer_service_rights:
            return _error(48001, "api unauthorized")
        with self._lock:
            windows = [w for w in self._windows[openid] if w[0] > time.monotonic()]
            if not windows:
                return _error(45015, "response out of time limit or subscription is canceled")
            usable = [w for w in windows if w[1] > 0]
            if not usable:
                return _error(45047, "out of response count limit")
            usable[0][1] -= 1
            self.sent.append(Sent(openid, text, time.monotonic()))
        return _error(0, "ok")

    async def _menu_create(self, request: web.Request) -> web.Response:
        problem = self._token_problem(request)
        if problem is not None:  # (a web.Response is falsy: it is an empty mapping)
            return problem
        raw = await request.read()
        if b"\\u" in raw:  # WeChat would show the escapes literally in the menu
            return _error(40018, "invalid button name size")
        body = await _json(request)
        buttons = (body or {}).get("button")
        if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3 \
                or any(len(b.get("sub_button") or []) > 5 for b in buttons):
            return _error(40016, "invalid button size")
        self.menus.append(body)
        return _error(0, "ok")


async def _json(request: web.Request) -> dict[str, Any] | None:
    try:
        body = json.loads(await request.read())
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _error(code: int, message: str) -> web.Response:
    return web.json_response({"errcode": code, "errmsg": message})


@dataclass
class SlowActionProxy:
    """Forwards to the real action server. The first request of a turn of a user in
    ``slow_users`` is held for ``delay`` seconds (once: the user is then taken off the list)."""

    target: str = ""
    delay: float = 6.0
    slow_users: set[str] = field(default_factory=set)
    _session: aiohttp.ClientSession | None = None

    def app(self) -> web.Application:
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_route("*", "/{path:.*}", self._forward)
        app.on_cleanup.append(self._close)
        return app

    async def _close(self, _: web.Application) -> None:
        if self._session:
            await self._session.close()

    async def _forward(self, request: web.Request) -> web.Response:
        body = await request.read()
        sender = _sender(body)
        if sender in self.slow_users:
            self.slow_users.discard(sender)
            await asyncio.sleep(self.delay)
        self._session = self._session or aiohttp.ClientSession()
        try:
            async with self._session.request(
                    request.method, f"{self.target}{request.rel_url}", data=body,
                    headers={k: v for k, v in request.headers.items() if k.lower() != "host"},
                    timeout=aiohttp.ClientTimeout(total=60)) as answer:
                return web.Response(status=answer.status, body=await answer.read(),
                                    content_type=answer.content_type)
        except aiohttp.ClientError:  # not up yet (the stack polls its health while it starts)
            return web.Response(status=502)


def _sender(body: bytes) -> str | None:
    try:
        payload = json.loads(body or b"{}")
    except ValueError:
        return None
    if not isinstance(payload, dict):
        return None
    return payload.get("sender_id") or (payload.get("tracker") or {}).get("sender_id")
