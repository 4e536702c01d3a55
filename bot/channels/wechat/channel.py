"""The WeChat official account (公众号) channel: Rasa custom input channel served at
``/webhooks/wechat/webhook`` on the public port; Rasa's sender id is the user's OpenID.

credentials.yml registers ``bot.channels.wechat.channel.WeChatInput``; it serves nothing unless
``WECHAT_TOKEN`` is set (bot/channels/wechat/config.py). docs/wechat.md describes the behaviour.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, Sanic, response
from sanic.exceptions import PayloadTooLarge
from sanic.request import Request

from bot.channels.reliable import never_silent
from bot.channels.wechat.api import WeChatApi, WeChatError
from bot.channels.wechat.config import MAX_BODY_BYTES, WeChatConfig
from bot.channels.wechat.exchange import Exchange, Reply, sent_at
from bot.channels.wechat.inbound import ToRasa, interpret
from bot.channels.wechat.menu import click_payloads, load_menu
from bot.channels.wechat.protocol import (
    Incoming,
    Refused,
    check_request,
    open_request,
    render,
    text_reply,
    transfer_reply,
)
from bot.channels.wechat.replies import phrase
from bot.channels.wechat.store import WeChatStore
from bot.conversations import delete_conversation
from bot.language import DEFAULT_LANGUAGE
from bot.state import channel_state

logger = logging.getLogger(__name__)

# contract 3: the payload (and intent) of "talk to a person" on every channel
HANDOFF_INTENT = "human_handoff"
MAX_ECHOSTR = 128


class WeChatCollector(CollectingOutputChannel):
    """Collects a turn's messages; named "wechat" so `channel: wechat` responses apply."""

    @classmethod
    def name(cls) -> str:
        return "wechat"


class WeChatInput(InputChannel):
    def __init__(self, config: WeChatConfig | None) -> None:
        self.config = config

    @classmethod
    def name(cls) -> str:
        return "wechat"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> WeChatInput:
        return cls(WeChatConfig.from_env())

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = Blueprint("wechat_webhook", __name__)
        if self.config is None:
            logger.info("WeChat channel off: WECHAT_TOKEN is not set")
            return blueprint
        webhook = WeChatWebhook(self.config, never_silent(on_new_message))

        # Sanic marks handlers with attributes, which bound methods cannot take
        @blueprint.route("/", methods=["GET"])
        async def health(request: Request) -> response.HTTPResponse:
            return await webhook.health(request)

        @blueprint.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> response.HTTPResponse:
            return await webhook.verify(request)

        @blueprint.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> response.HTTPResponse:
            return await webhook.receive(request)

        blueprint.listener("after_server_start")(webhook.start)
        blueprint.listener("after_server_stop")(webhook.close)
        logger.info("WeChat channel on (%s mode)", "safe" if self.config.safe_mode else "plain")
        return blueprint


class WeChatWebhook:
    def __init__(self, config: WeChatConfig,
                 on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        self.config = config
        self.on_new_message = on_new_message
        self.store = WeChatStore(channel_state())
        self.api = WeChatApi(config, self.store) if config.has_api else None
        self.menu = click_payloads(load_menu())
        self.exchange = Exchange(self.store, self.api, self._run_turn, self._forget)
        self._app: Sanic | None = None

    async def health(self, request: Request) -> response.HTTPResponse:
        return response.json({"status": "ok", "safe_mode": self.config.safe_mode})

    async def verify(self, request: Request) -> response.HTTPResponse:
        """WeChat's URL check when the server address is saved in the account's settings."""
        args = _args(request)
        echostr = args.get("echostr", "")
        try:
            check_request(self.config, args)
        except Refused as refusal:
            return _refuse(refusal)
        if not echostr or len(echostr) > MAX_ECHOSTR:
            return _refuse(Refused(403, "no echostr"))
        return response.text(echostr)

    async def receive(self, request: Request) -> response.HTTPResponse:
        received = time.monotonic()
        self._app = request.app
        body = await _read_body(request)
        if body is None:
            return response.text("request body too large", status=413)
        try:
            incoming = open_request(self.config, _args(request), body)
        except Refused as refusal:
            return _refuse(refusal)
        try:
            action = await interpret(incoming.message, self.store, self.menu)
            reply = await self.exchange.handle(incoming.message, action, received,
                                               sent_at(received, incoming.timestamp))
        except Exception:  # the channel state is down, or a bug: say so, never a 500
            logger.exception("WeChat message from %s failed", incoming.message.source)
            language = await self._language_or_default(incoming.message.source)
            reply = Reply(phrase("unavailable", language))
        logger.debug("WeChat message answered in %.2f s (%s)", time.monotonic() - received,
                     "transfer" if reply.transfer else "text" if reply.text else "success")
        return self._answer(incoming, reply)

    def _answer(self, incoming: Incoming, reply: Reply) -> response.HTTPResponse:
        if reply.transfer:
            xml = render(self.config, incoming, transfer_reply(incoming))
        elif reply.text:
            xml = render(self.config, incoming, text_reply(incoming, reply.text))
        else:  # WeChat's "nothing to say now": no retry, no error shown to the user
            return response.text("success")
        return response.text(xml, content_type="application/xml; charset=utf-8")

    async def _language_or_default(self, openid: str) -> str:
        try:
            return await self.store.language(openid) or DEFAULT_LANGUAGE
        except Exception:
            return DEFAULT_LANGUAGE

    async def _run_turn(self, openid: str, key: str,
                        action: ToRasa) -> tuple[list[dict[str, Any]], bool]:
        collector = WeChatCollector()
        await self.on_new_message(UserMessage(action.text, collector, openid,
                                              input_channel="wechat", message_id=key))
        transfer = (self.config.transfer_to_customer_service
                    and await self._asked_for_person(openid))
        return collector.messages, transfer

    async def _asked_for_person(self, openid: str) -> bool:
        tracker = await self._agent().tracker_store.retrieve(openid)
        return bool(tracker) and tracker.latest_message.intent.get("name") == HANDOFF_INTENT

    async def _forget(self, openid: str) -> None:
        """Unsubscribed: WeChat's rules require deleting everything kept about the user (the
        exchange deletes the channel's own state)."""
        agent = self._agent()
        async with agent.lock_store.lock(openid):  # not while a turn of theirs is saving
            events = await delete_conversation(agent.tracker_store, openid)
        logger.info("WeChat user unsubscribed: deleted %d conversation events", events)

    def _agent(self) -> Any:
        assert self._app is not None, "no request has been received yet"
        return self._app.ctx.agent

    async def start(self, *_: Any) -> None:
        """Fetches the access token now: the first late answer need not wait for it, and a wrong
        secret or a missing IP whitelist entry shows in the log at once."""
        if self.api:
            try:
                await self.api.access_token()
            except WeChatError as error:
                logger.warning("WeChat access token not available (客服 messages will wait): %s",
                               error)

    async def close(self, *_: Any) -> None:
        await self.exchange.close()
        if self.api:
            await self.api.close()


def _args(request: Request) -> dict[str, str]:
    return {name: request.args.get(name) for name in request.args}


def _refuse(refusal: Refused) -> response.HTTPResponse:
    logger.warning("WeChat request refused (%d): %s", refusal.status, refusal.reason)
    return response.text(refusal.reason, status=refusal.status)


async def _read_body(request: Request) -> bytes | None:
    """The body, or None when it is over the limit: a declared length is refused before any of it
    is read, a chunked one as soon as it passes the limit."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return None
    if request.stream is not None:
        request.stream.request_max_size = MAX_BODY_BYTES
        try:
            await request.receive_body()
        except PayloadTooLarge:
            return None
    return request.body or b""
