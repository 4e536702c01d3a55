"""WeChat's delivery rules around a Rasa turn: each message reaches the bot once, and its answer
reaches the user once, within WeChat's limits.

- The first delivery of a message starts the turn; WeChat's retries (same MsgId) only wait for its
  answer. Claims and answers live in the channel state, so a retry may land on another replica.
- An answer ready within 3.5 s goes back passively: one message (the first 2048-byte part).
- Otherwise the request says ``success`` and the answer goes by 客服 message when the account can
  send them; without 客服 the request stays silent so that WeChat retries, and a retry picks the
  answer up. After the last retry the user is told to write again, and gets it with that message.
- What WeChat will not take now (beyond the quota or window) waits for the user's next message.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import asdict, dataclass
from typing import Any

from wechatpy.messages import BaseMessage

from bot.channels import limits
from bot.channels.wechat.api import WeChatApi
from bot.channels.wechat.config import (
    DELIVERIES,
    MAX_CONCURRENT_TURNS,
    MAX_QUEUEING,
    PASSIVE_DEADLINE,
    WECHAT_TIMEOUT,
)
from bot.channels.wechat.inbound import Action, Forget, Ignore, Say, ToRasa, message_key
from bot.channels.wechat.replies import build_answer, pack, phrase, with_more_note
from bot.channels.wechat.store import Answer, WeChatStore
from bot.language import DEFAULT_LANGUAGE, reply_language

logger = logging.getLogger(__name__)

POLL_INTERVAL = 0.05
# parts after a passive reply go by 客服 a little later, so that they arrive after it
REST_DELAY = 1.0

# (openid, message key, what to tell the bot) -> (the bot's messages, hand over to a person?)
TurnRunner = Callable[[str, str, ToRasa], Awaitable[tuple[list[dict[str, Any]], bool]]]
# deletes the bot's conversation with a user
Forgetter = Callable[[str], Awaitable[None]]


@dataclass(frozen=True)
class Reply:
    """The HTTP answer to one request: a passive text, a transfer to the 客服 console, or
    nothing (``success``)."""

    text: str | None = None
    transfer: bool = False

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Reply:
        return cls(**json.loads(text))


NOTHING = Reply()
# how an answer was taken when no request waited for it
LATE = "late"


def sent_at(received: float, timestamp: int) -> float:
    """When WeChat sent a request, on the monotonic clock: its timestamp says how long the request
    queued before the channel saw it (a busy server accepts late). The timestamp has whole seconds
    and clocks differ a little, so the start moves back by at most ``MAX_QUEUEING`` seconds."""
    queued = time.time() - timestamp
    return received - min(max(queued, 0.0), MAX_QUEUEING)


class Exchange:
    def __init__(self, store: WeChatStore, api: WeChatApi | None, run_turn: TurnRunner,
                 forget: Forgetter, deadline: float = PASSIVE_DEADLINE,
                 wechat_timeout: float = WECHAT_TIMEOUT, rest_delay: float = REST_DELAY) -> None:
        self.store, self.api = store, api
        self._run_turn, self._forget = run_turn, forget
        self.deadline, self.wechat_timeout, self.rest_delay = deadline, wechat_timeout, rest_delay
        self._turns: dict[str, asyncio.Task[Answer]] = {}
        self._background: set[asyncio.Task[Any]] = set()
        self._running = asyncio.Semaphore(MAX_CONCURRENT_TURNS)

    async def handle(self, message: BaseMessage, action: Action, received: float | None = None,
                     sent: float | None = None) -> Reply:
        """The reply to one delivery of ``message``. ``received``: when the request reached the
        channel; ``sent``: when WeChat sent it, which starts its 5 seconds (monotonic clock)."""
        received = time.monotonic() if received is None else received
        sent = received if sent is None else min(sent, received)
        if isinstance(action, Ignore):
            return NOTHING
        openid, key = message.source, message_key(message)
        first = await self.store.claim(openid, key)
        delivery = await self.store.delivery(openid, key)
        if isinstance(action, Forget):
            if first:  # the bot's conversation, and everything the channel keeps in any case
                try:
                    await self._forget(openid)
                finally:
                    await self.store.forget(openid)
            return NOTHING
        if first:
            await self.store.open_window(openid, action.window)
            self._start(openid, key, action)
        return await self._reply(openid, key, delivery, sent, received)

    def _start(self, openid: str, key: str, action: ToRasa | Say) -> None:
        task = asyncio.create_task(self._turn(openid, key, action))
        self._turns[f"{openid}:{key}"] = task
        task.add_done_callback(lambda _: self._turns.pop(f"{openid}:{key}", None))

    async def _turn(self, openid: str, key: str, action: ToRasa | Say) -> Answer:
        """Produces and stores the answer; delivers it by 客服 if no request waits for it any more."""
        try:
            answer = await self._answer(openid, key, action)
        except Exception:  # the state store failed: nothing can be delivered reliably
            logger.exception("WeChat message %s of %s was not answered", key, openid)
            raise
        answer.parts = pack(await self.store.pop_pending(openid) + answer.parts)
        await self.store.save_answer(openid, key, answer)
        if await self.store.given_up(openid, key) and await self.store.take(openid, key, LATE):
            await self._send(openid, answer.parts)
        return answer

    async def _answer(self, openid: str, key: str, action: ToRasa | Say) -> Answer:
        # the script of what the user wrote, else of what they wrote before (an older message,
        # so it is a hint, not an explicit choice)
        language = reply_language([
            {"text": action.text if isinstance(action, ToRasa) else action.hint},
            {"metadata": {"lang": await self.store.language(openid)}}])
        if isinstance(action, ToRasa):
            if not await limits.allow("wechat", openid, None, state=self.store.state):
                return await self._refusal(openid, language)
            async with self._running:
                messages, transfer = await self._run_turn(openid, key, action)
            answer = build_answer(messages, language, transfer)
            await self.store.set_options(openid, answer.options)
        else:
            answer = Answer([phrase(action.phrase, language)], language)
        await self.store.set_language(openid, answer.language)
        return answer

    async def _refusal(self, openid: str, language: str) -> Answer:
        """Over the rate limit: one polite notice per window, then silence."""
        if await self.store.first_refusal(openid, limits.Limits().window_seconds):
            return Answer([limits.refusal_notice(language)], language)
        return Answer([], language)

    async def _reply(self, openid: str, key: str, delivery: int, sent: float,
                     received: float) -> Reply:
        # decided before waiting: once the deadline passes, every await may queue behind other
        # users' turns, and WeChat's 5 seconds are nearly up
        by_customer_service = bool(self.api and await self.api.customer_service_possible())
        answer = await self._wait_for_answer(openid, key, sent + self.deadline)
        if answer is not None:
            return await self._deliver_passive(openid, key, answer, by_customer_service)
        if by_customer_service:
            self._spawn(self._give_up(openid, key))
            return NOTHING
        if delivery < DELIVERIES:
            # stay silent past WeChat's timeout (surely past: counted from our receipt), so that
            # it retries, and the retry takes the answer
            await asyncio.sleep(max(0.0, received + self.wechat_timeout + 0.5 - time.monotonic()))
            return NOTHING
        self._spawn(self._give_up(openid, key))
        language = await self.store.language(openid) or DEFAULT_LANGUAGE
        return Reply(phrase("still_working", language))

    async def _wait_for_answer(self, openid: str, key: str, until: float) -> Answer | None:
        task = self._turns.get(f"{openid}:{key}")
        if task is not None:  # the turn runs here: no need to poll the state
            await asyncio.wait({task}, timeout=max(0.0, until - time.monotonic()))
            return task.result() if task.done() and not task.exception() else None
        while True:
            answer = await self.store.answer(openid, key)
            if answer is not None or time.monotonic() >= until:
                return answer
            await asyncio.sleep(POLL_INTERVAL)

    async def _give_up(self, openid: str, key: str) -> None:
        """No request will take the answer: whoever sees it ready first delivers it late."""
        await self.store.give_up(openid, key)
        answer = await self.store.answer(openid, key)
        if answer is not None and await self.store.take(openid, key, LATE):
            self._spawn(self._send(openid, answer.parts))

    async def _deliver_passive(self, openid: str, key: str, answer: Answer,
                               by_customer_service: bool) -> Reply:
        """The passive reply. The first request to take the answer sends what does not fit by
        客服 (or keeps it for the next message); a later retry of the message gets the same reply
        again, since WeChat only retries when it did not get the first one."""
        if not answer.parts:
            reply, rest = NOTHING, []
        elif answer.transfer:
            reply, rest = Reply(transfer=True), answer.parts
        else:
            reply, rest = Reply(answer.parts[0]), answer.parts[1:]
            if rest and not by_customer_service:
                reply = Reply(with_more_note(answer.parts[0], answer.language))
        if not await self.store.take(openid, key, reply.to_json()):
            taken = await self.store.taken(openid, key)
            return Reply.from_json(taken) if taken and taken != LATE else NOTHING
        if rest and by_customer_service:
            self._spawn(self._send_later(openid, rest))
        else:
            await self.store.keep_pending(openid, rest)
        return reply

    async def _send_later(self, openid: str, parts: list[str]) -> None:
        await asyncio.sleep(self.rest_delay)
        await self._send(openid, parts)

    async def _send(self, openid: str, parts: list[str]) -> None:
        """By 客服 while WeChat allows; the rest waits for the user's next message."""
        unsent = parts
        if self.api and parts:
            unsent = (await self.api.send_parts(openid, parts)).unsent
        await self.store.keep_pending(openid, unsent)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def close(self) -> None:
        """Lets deliveries in flight finish (the server is stopping)."""
        if self._background:
            await asyncio.wait(set(self._background), timeout=self.wechat_timeout)

