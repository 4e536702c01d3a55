"""Plays WeChat's part against a running channel: builds a message the way WeChat pushes it, signs
it, encrypts it (safe and compatible modes), posts it with WeChat's 5-second timeout and retries,
and decodes the reply. Built on wechatpy's signer and crypto, independently of the channel's code.

Operators use it through ``python -m bot.channels.wechat simulate`` before going live; the tests use
it to talk to the real server.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from wechatpy.crypto import WeChatCrypto
from wechatpy.replies import deserialize_reply
from wechatpy.utils import WeChatSigner

from bot.channels.wechat.protocol import cdata_safe, xml_fields

WEBHOOK_PATH = "/webhooks/wechat/webhook"
MODES = ("plain", "compatible", "safe")
_message_ids = itertools.count(int(time.time() * 1000) * 1000)


def _signature(*parts: str) -> str:
    signer = WeChatSigner()
    signer.add_data(*parts)
    return signer.signature


@dataclass
class Delivered:
    """What WeChat got back: the HTTP status and body of the last delivery, the decoded reply."""

    status: int | None
    body: str
    deliveries: int
    seconds: float
    reply_type: str | None = None
    content: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)


class WeChatSimulator:
    def __init__(self, server_url: str, token: str, app_id: str | None = None,
                 encoding_aes_key: str | None = None, mode: str | None = None,
                 account: str = "gh_simulator01", timeout: float = 5.0, deliveries: int = 3,
                 session: aiohttp.ClientSession | None = None) -> None:
        self.url = server_url.rstrip("/") + WEBHOOK_PATH
        self.token, self.app_id, self.account = token, app_id, account
        self.mode = mode or ("safe" if encoding_aes_key else "plain")
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        self.crypto = (WeChatCrypto(token, encoding_aes_key, app_id)
                       if encoding_aes_key and app_id else None)
        if self.mode != "plain" and self.crypto is None:
            raise ValueError("safe and compatible modes need the appid and the EncodingAESKey")
        self.timeout, self.deliveries = timeout, deliveries
        self._session = session

    # messages, as WeChat's XML fields

    def text(self, openid: str, content: str, msg_id: int | None = None) -> dict[str, Any]:
        return self._message(openid, "text", Content=content, MsgId=msg_id or next(_message_ids))

    def voice(self, openid: str, recognition: str | None) -> dict[str, Any]:
        extra = {"Recognition": recognition} if recognition is not None else {}
        return self._message(openid, "voice", MediaId="media-1", Format="amr",
                             MsgId=next(_message_ids), **extra)

    def location(self, openid: str, latitude: float, longitude: float,
                 label: str = "") -> dict[str, Any]:
        return self._message(openid, "location", Location_X=latitude, Location_Y=longitude,
                             Scale=15, Label=label, MsgId=next(_message_ids))

    def image(self, openid: str) -> dict[str, Any]:
        return self._message(openid, "image", PicUrl="http://mmbiz.example/1.jpg",
                             MediaId="media-2", MsgId=next(_message_ids))

    def event(self, openid: str, event: str, key: str | None = None) -> dict[str, Any]:
        extra = {"EventKey": key} if key is not None else {}
        return self._message(openid, "event", Event=event, **extra)

    def _message(self, openid: str, kind: str, **fields: Any) -> dict[str, Any]:
        return {"ToUserName": self.account, "FromUserName": openid,
                "CreateTime": int(time.time()), "MsgType": kind, **fields}

    # the request WeChat makes

    def request(self, fields: dict[str, Any], timestamp: int | None = None,
                nonce: str | None = None) -> tuple[dict[str, str], bytes]:
        """Query parameters and body of one delivery of ``fields``."""
        timestamp_text = str(timestamp or int(time.time()))
        nonce = nonce or str(secrets.randbelow(10**9))
        params = {"signature": _signature(self.token, timestamp_text, nonce),
                  "timestamp": timestamp_text, "nonce": nonce, "openid": fields["FromUserName"]}
        xml = to_xml(fields)
        if self.mode == "plain":
            return params, xml.encode("utf-8")
        assert self.crypto is not None
        sealed = xml_fields(self.crypto.encrypt_message(xml, nonce, timestamp_text))
        envelope = ({"ToUserName": self.account} if self.mode == "safe" else dict(fields))
        envelope["Encrypt"] = sealed["Encrypt"]
        params.update(encrypt_type="aes", msg_signature=sealed["MsgSignature"])
        return params, to_xml(envelope).encode("utf-8")

    async def post(self, params: dict[str, str], body: bytes,
                   headers: dict[str, str] | None = None) -> tuple[int, str]:
        # WeChat cuts the connection at exactly 5 s (aiohttp would round a 5 s timeout up)
        timeout = aiohttp.ClientTimeout(total=self.timeout, ceil_threshold=self.timeout + 1)
        async with self._http().post(self.url, params=params, data=body, headers=headers,
                                     timeout=timeout) as answer:
            return answer.status, await answer.text()

    async def send(self, fields: dict[str, Any]) -> Delivered:
        """Delivers a message as WeChat does: up to three times while no answer comes in 5 s."""
        started = time.monotonic()
        for delivery in range(1, self.deliveries + 1):
            try:
                status, body = await self.post(*self.request(fields))
            except asyncio.TimeoutError:
                continue
            return self.decode(status, body, delivery, time.monotonic() - started)
        return Delivered(None, "", self.deliveries, time.monotonic() - started)

    async def verify(self, echostr: str) -> tuple[int, str]:
        """The GET WeChat makes when the server address is saved."""
        timestamp, nonce = str(int(time.time())), str(secrets.randbelow(10**9))
        params = {"signature": _signature(self.token, timestamp, nonce), "timestamp": timestamp,
                  "nonce": nonce, "echostr": echostr}
        async with self._http().get(self.url, params=params) as answer:
            return answer.status, await answer.text()

    def decode(self, status: int, body: str, deliveries: int, seconds: float) -> Delivered:
        delivered = Delivered(status, body, deliveries, seconds)
        if status != 200 or not body.lstrip().startswith("<"):
            return delivered  # "success", "" or an error
        xml = body
        if "<Encrypt>" in body:
            if self.crypto is None:
                raise ValueError("an encrypted reply, but no EncodingAESKey to read it")
            sealed = xml_fields(body)
            # checks the reply's msg_signature and appid, as WeChat does
            xml = self.crypto.decrypt_message(body, sealed["MsgSignature"], sealed["TimeStamp"],
                                              sealed["Nonce"])
        reply = deserialize_reply(xml)
        delivered.reply_type = reply.type
        delivered.fields = xml_fields(xml)
        delivered.content = getattr(reply, "content", None)
        return delivered

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        return self._session

    async def close(self) -> None:
        if self._session and not self._session.closed:
            await self._session.close()


def to_xml(fields: dict[str, Any]) -> str:
    """WeChat's XML: numbers bare, text in CDATA."""
    nodes = []
    for name, value in fields.items():
        text = str(value) if isinstance(value, int | float) else f"<![CDATA[{cdata_safe(value)}]]>"
        nodes.append(f"<{name}>{text}</{name}>")
    return "<xml>" + "".join(nodes) + "</xml>"
