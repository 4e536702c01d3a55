"""An async client for the WeChat APIs the channel calls: the stable access token, 客服 (customer
service) text messages, the custom menu. aiohttp with short timeouts: these calls run inside the
Rasa server's event loop. wechatpy's own client is synchronous (requests), so it is not used.

``send_text(openid, text)`` is the entry point for other parts of the assistant (the staff desk's
notices): it respects WeChat's 客服 window and quota and splits long texts.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bot.channels.wechat.config import API_TIMEOUT, TEXT_LIMIT_BYTES, WeChatConfig
from bot.channels.wechat.replies import split_utf8
from bot.channels.wechat.store import WeChatStore

logger = logging.getLogger(__name__)

# errcodes (docs/wechat.md): the token is stale / the user is outside the window / over the quota /
# the account may not send 客服 messages
TOKEN_ERRORS = {40001, 40014, 42001}
OUTSIDE_WINDOW, OVER_QUOTA, UNAUTHORIZED = 45015, 45047, 48001
# a token is refreshed inside its last minutes, when stable_token hands out the next one
TOKEN_REFRESH_MARGIN = 240.0
# a refresh elsewhere is waited for as long as it may take
TOKEN_WAIT = 2 * API_TIMEOUT


class WeChatError(RuntimeError):
    """WeChat answered with an errcode, or could not be reached (errcode None)."""

    def __init__(self, errcode: int | None, message: str) -> None:
        super().__init__(f"{errcode}: {message}" if errcode is not None else message)
        self.errcode = errcode


@dataclass
class SendResult:
    """What happened to a 客服 text: how many parts went out, which did not, and why."""

    sent: int = 0
    unsent: list[str] = field(default_factory=list)
    reason: str | None = None

    def __bool__(self) -> bool:
        return not self.unsent


class WeChatApi:
    def __init__(self, config: WeChatConfig, store: WeChatStore | None = None) -> None:
        self.config = config
        self.store = store or WeChatStore()
        self._session: aiohttp.ClientSession | None = None
        self._token_lock = asyncio.Lock()

    async def __aenter__(self) -> WeChatApi:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session and not self._session.closed:
            await self._session.close()

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=API_TIMEOUT, connect=2.0))
        return self._session

    async def _post(self, path: str, body: dict[str, Any],
                    params: dict[str, str] | None = None) -> dict[str, Any]:
        # raw UTF-8: WeChat shows \\uXXXX escapes literally in menus and messages
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        try:
            async with self._http().post(
                    f"{self.config.api_base}{path}", params=params, data=data,
                    headers={"Content-Type": "application/json; charset=utf-8"}) as answer:
                payload = await answer.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            raise WeChatError(None, f"WeChat unreachable: {type(error).__name__}") from None
        if not isinstance(payload, dict):
            raise WeChatError(None, "WeChat answered something that is not a JSON object")
        if payload.get("errcode", 0) != 0:
            raise WeChatError(int(payload["errcode"]), str(payload.get("errmsg", "")))
        return payload

    async def access_token(self) -> str:
        """The account's access token: cached in the channel state for every replica, fetched
        from ``stable_token`` (which does not invalidate the token other replicas hold) only when
        the cached one is about to expire, by one caller at a time."""
        token = await self.store.access_token()
        if token is not None:
            return token
        async with self._token_lock:  # one fetch in this process ...
            deadline = time.monotonic() + TOKEN_WAIT
            while (token := await self.store.access_token()) is None:
                if await self.store.lock_token_refresh(TOKEN_WAIT):  # ... and across replicas
                    try:
                        return await self._fetch_token()
                    finally:
                        await self.store.unlock_token_refresh()
                if time.monotonic() > deadline:
                    raise WeChatError(None, "no access token: another replica's refresh hangs")
                await asyncio.sleep(0.1)
            return token

    async def _fetch_token(self) -> str:
        answer = await self._post("/cgi-bin/stable_token", {
            "grant_type": "client_credential", "appid": self.config.app_id,
            "secret": self.config.app_secret, "force_refresh": False})
        token, expires_in = answer.get("access_token"), answer.get("expires_in")
        if not isinstance(token, str) or not isinstance(expires_in, int):
            raise WeChatError(None, "stable_token answered without a token")
        await self.store.set_access_token(token, max(60.0, expires_in - TOKEN_REFRESH_MARGIN))
        logger.info("WeChat access token refreshed (valid %d s)", expires_in)
        return token

    async def call(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """An API call with the access token; a token WeChat calls stale is fetched again once."""
        try:
            return await self._post(path, body, {"access_token": await self.access_token()})
        except WeChatError as error:
            if error.errcode not in TOKEN_ERRORS:
                raise
        await self.store.drop_access_token()
        return await self._post(path, body, {"access_token": await self.access_token()})

    async def send_text(self, openid: str, text: str) -> SendResult:
        """Sends ``text`` as 客服 messages of at most 2048 bytes, while the user's window and
        quota allow; reports what could not be sent."""
        return await self.send_parts(openid, split_utf8(text, TEXT_LIMIT_BYTES))

    async def send_parts(self, openid: str, parts: list[str]) -> SendResult:
        result = SendResult()
        if not self.config.has_api:
            return SendResult(0, parts, "WECHAT_APP_ID and WECHAT_APP_SECRET are not set")
        for index, part in enumerate(parts):
            reason = await self._send_one(openid, part)
            if reason:
                return SendResult(result.sent, parts[index:], reason)
            result.sent += 1
        return result

    async def _send_one(self, openid: str, text: str) -> str | None:
        """None when sent, else why not."""
        if await self.store.customer_service_refused():
            return "the account may not send 客服 messages"
        if not await self.store.spend_customer_service(openid):
            return "outside WeChat's 客服 window or quota for this user"
        try:
            await self.call("/cgi-bin/message/custom/send", {
                "touser": openid, "msgtype": "text", "text": {"content": text}})
        except WeChatError as error:
            if error.errcode == UNAUTHORIZED:
                await self.store.note_no_customer_service()
            logger.warning("客服 message to %s not sent: %s", openid, error)
            return str(error)
        return None

    async def create_menu(self, menu: dict[str, Any]) -> None:
        await self.call("/cgi-bin/menu/create", menu)

    async def customer_service_possible(self) -> bool:
        """Whether a late answer can go by 客服 (else it waits for a retry or the next message)."""
        return self.config.has_api and not await self.store.customer_service_refused()


async def send_text(openid: str, text: str) -> SendResult:
    """Sends a 客服 text message to a WeChat user (the staff desk's notices).

    Falsy result when some or all of it was not sent: the channel is off, the account has no 客服
    rights, the user has not written within WeChat's window, or the quota is used up; ``reason``
    says which. Nothing is retried or queued here.
    """
    config = WeChatConfig.from_env()
    if config is None:
        return SendResult(0, [text], "the WeChat channel is off (WECHAT_TOKEN is not set)")
    async with WeChatApi(config) as api:
        return await api.send_text(openid, text)
