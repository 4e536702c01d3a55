"""What the WeChat channel remembers, in the shared channel state (memory, or Redis shared by every
replica): dedup claims, answers waiting for a retry, numbered options, the user's reply language,
undelivered parts, the 客服 windows, the access token.

Everything about one user lives under ``wechat:user:<openid>:``, so an unsubscribe removes it all
with one ``delete_prefix``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from bot.channels.wechat.config import EVENT_WINDOW, MESSAGE_MEMORY, MESSAGE_WINDOW, USER_MEMORY
from bot.state import ChannelState, channel_state

WINDOWS = {"message": MESSAGE_WINDOW, "event": EVENT_WINDOW}
NO_CUSTOMER_SERVICE_MEMORY = 3600.0


@dataclass
class Answer:
    """The bot's answer to one message, ready for WeChat: texts of at most 2048 bytes each."""

    parts: list[str]
    language: str
    transfer: bool = False
    options: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Answer:
        return cls(**json.loads(text))


class WeChatStore:
    def __init__(self, state: ChannelState | None = None) -> None:
        self.state = state or channel_state()

    # one message (dedup by MsgId, or sender + CreateTime for events)

    async def claim(self, openid: str, key: str) -> bool:
        """True for the first delivery of a message; WeChat's retries get False."""
        return await self.state.add(_user(openid, "msg", key), "1", MESSAGE_MEMORY)

    async def delivery(self, openid: str, key: str) -> int:
        """Counts deliveries of one message: 1 for the first, 2 and 3 for WeChat's retries."""
        return await self.state.incr(_user(openid, "tries", key), MESSAGE_MEMORY)

    async def save_answer(self, openid: str, key: str, answer: Answer) -> None:
        await self.state.set(_user(openid, "answer", key), answer.to_json(), MESSAGE_MEMORY)

    async def answer(self, openid: str, key: str) -> Answer | None:
        stored = await self.state.get(_user(openid, "answer", key))
        return Answer.from_json(stored) if stored else None

    async def take(self, openid: str, key: str, how: str) -> bool:
        """True for the one caller that delivers the answer; ``how`` records the way (the passive
        reply itself, or 客服), for WeChat's later retries of the message."""
        return await self.state.add(_user(openid, "taken", key), how, MESSAGE_MEMORY)

    async def taken(self, openid: str, key: str) -> str | None:
        return await self.state.get(_user(openid, "taken", key))

    async def give_up(self, openid: str, key: str) -> None:
        """No request waits for this answer any more: it goes by 客服 or with the next message."""
        await self.state.set(_user(openid, "late", key), "1", MESSAGE_MEMORY)

    async def given_up(self, openid: str, key: str) -> bool:
        return await self.state.get(_user(openid, "late", key)) is not None

    # one user

    async def set_options(self, openid: str, options: dict[str, str]) -> None:
        """The numbered options of the latest answer (earlier ones no longer apply)."""
        if options:
            await self.state.set(_user(openid, "options"), json.dumps(options, ensure_ascii=False),
                                 USER_MEMORY)
        else:
            await self.state.delete(_user(openid, "options"))

    async def option(self, openid: str, number: str) -> str | None:
        stored = await self.state.get(_user(openid, "options"))
        return json.loads(stored).get(number) if stored else None

    async def set_language(self, openid: str, language: str) -> None:
        await self.state.set(_user(openid, "lang"), language, USER_MEMORY)

    async def language(self, openid: str) -> str | None:
        return await self.state.get(_user(openid, "lang"))

    async def keep_pending(self, openid: str, parts: list[str]) -> None:
        """Parts WeChat would not take now; they go out with the user's next message."""
        if parts:
            await self.state.set(_user(openid, "pending"),
                                 json.dumps(await self._pending(openid) + parts,
                                            ensure_ascii=False), USER_MEMORY)

    async def pop_pending(self, openid: str) -> list[str]:
        parts = await self._pending(openid)
        if parts:
            await self.state.delete(_user(openid, "pending"))
        return parts

    async def _pending(self, openid: str) -> list[str]:
        stored = await self.state.get(_user(openid, "pending"))
        return json.loads(stored) if stored else []

    async def first_refusal(self, openid: str, window: float) -> bool:
        """True once per rate-limit window: the user is told once, not at every message."""
        return await self.state.add(_user(openid, "limited"), "1", window)

    async def open_window(self, openid: str, kind: str) -> None:
        """The user wrote (``message``) or clicked / subscribed (``event``): WeChat allows a few
        客服 messages for a while."""
        _, ttl = WINDOWS[kind]
        await self.state.set(_user(openid, "window", kind), "1", ttl)
        await self.state.delete(_user(openid, "sent", kind))

    async def spend_customer_service(self, openid: str) -> bool:
        """Counts one 客服 message against an open window; False when none allows it."""
        for kind in ("event", "message"):  # the short window first: it expires anyway
            quota, ttl = WINDOWS[kind]
            if await self.state.get(_user(openid, "window", kind)) is None:
                continue
            if await self.state.incr(_user(openid, "sent", kind), ttl) <= quota:
                return True
        return False

    async def forget(self, openid: str) -> int:
        """Removes everything kept about this user; returns how many keys."""
        return await self.state.delete_prefix(_user(openid, ""))

    # the account

    async def access_token(self) -> str | None:
        return await self.state.get("wechat:token")

    async def set_access_token(self, token: str, ttl: float) -> None:
        await self.state.set("wechat:token", token, ttl)

    async def drop_access_token(self) -> None:
        await self.state.delete("wechat:token")

    async def lock_token_refresh(self, ttl: float) -> bool:
        return await self.state.add("wechat:token:refresh", "1", ttl)

    async def unlock_token_refresh(self) -> None:
        await self.state.delete("wechat:token:refresh")

    async def note_no_customer_service(self) -> None:
        """WeChat said the account may not send 客服 messages (48001): stop trying for a while."""
        await self.state.set("wechat:account:no-kf", "1", NO_CUSTOMER_SERVICE_MEMORY)

    async def customer_service_refused(self) -> bool:
        return await self.state.get("wechat:account:no-kf") is not None


def _user(openid: str, *parts: str) -> str:
    return ":".join(("wechat:user", openid, *parts))
