"""What each WeChat message means for the bot: a text (or button payload) for Rasa, a fixed reply
from the channel, forgetting the user, or nothing.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from wechatpy.messages import BaseMessage

from bot.channels.reliable import MAX_MESSAGE_CHARS
from bot.channels.wechat.store import WeChatStore

# the welcome (what the bot can do, with the main options) is the greeting's answer
WELCOME_PAYLOAD = "/greet"
_OPTION_NUMBER = re.compile(r"\d{1,2}")
WELCOME_EVENTS = {"subscribe", "subscribe_scan", "scan"}


@dataclass(frozen=True)
class ToRasa:
    """A message for the bot. ``window`` is the 客服 window it opens (docs/wechat.md)."""

    text: str
    window: str = "message"


@dataclass(frozen=True)
class Say:
    """A reply from the channel itself (bot/messages.yml, ``wechat.<phrase>``); ``hint`` is text
    the user wrote, which tells the script to answer in."""

    phrase: str
    hint: str | None = None
    window: str = "message"


@dataclass(frozen=True)
class Forget:
    """The user unsubscribed: delete everything kept about them."""


@dataclass(frozen=True)
class Ignore:
    """Nothing to answer (menu links, automatic location reports, other events)."""


Action = ToRasa | Say | Forget | Ignore


def message_key(message: BaseMessage) -> str:
    """WeChat's recommended dedup key: MsgId, or sender + CreateTime for events (plus the event
    and its key, which keeps two different events of one second apart)."""
    if message.id:
        return str(message.id)
    event = getattr(message, "event", "")
    key = getattr(message, "key", "") or ""
    return f"{message.time}:{event}:{key}"


def location_payload(latitude: object, longitude: object) -> str | None:
    """Contract 2's payload, or None for coordinates that are not on Earth."""
    try:
        lat, lng = float(latitude), float(longitude)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        return None
    return "/share_location" + json.dumps({"latitude": round(lat, 6), "longitude": round(lng, 6)})


async def interpret(message: BaseMessage, store: WeChatStore,
                    menu: Mapping[str, str]) -> Action:
    """``menu`` maps the custom menu's click keys to payloads (bot/channels/wechat/menu.yml)."""
    if message.type == "text":
        return await _text(message.source, (message.content or "").strip(), store)
    if message.type == "voice":
        recognised = (message.recognition or "").strip()
        if recognised:
            return await _text(message.source, recognised, store)
        return Say("voice_unclear")
    if message.type == "location":
        payload = location_payload(message.location_x, message.location_y)
        return ToRasa(payload) if payload else Say("please_type")
    if message.type == "event":
        return _event(message, menu)
    return Say("please_type")  # image, video, link, file, mini programs: not understood


async def _text(openid: str, text: str, store: WeChatStore) -> Action:
    if not text:
        return Say("please_type")
    if len(text) > MAX_MESSAGE_CHARS:
        return Say("too_long", hint=text)
    number = unicodedata.normalize("NFKC", text)
    if _OPTION_NUMBER.fullmatch(number):
        payload = await store.option(openid, str(int(number)))
        if payload:
            return ToRasa(payload)
    return ToRasa(text)


def _event(message: BaseMessage, menu: Mapping[str, str]) -> Action:
    if message.event in WELCOME_EVENTS:
        return ToRasa(WELCOME_PAYLOAD, window="event")
    if message.event == "unsubscribe":
        return Forget()
    if message.event == "click" and message.key in menu:
        return ToRasa(menu[message.key], window="event")
    return Ignore()
