"""WeChat's delivery rules around a turn, with a scripted bot, the channel state in memory and in a
real Redis, and the fake WeChat API on loopback: dedup, the 5-second rule (passive, 客服, the next
retry, the next message), the 2048-byte split, WeChat's quota, the access token, forgetting a user.

The deadlines are scaled down (WeChat's 4 s / 5 s become 0.3 s / 0.6 s) so that the rules run fast.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from wechatpy import parse_message

from bot.channels.wechat import api as api_module
from bot.channels.wechat.api import WeChatApi
from bot.channels.wechat.config import WeChatConfig
from bot.channels.wechat.exchange import NOTHING, Exchange, Reply, sent_at
from bot.channels.wechat.inbound import Forget, Say, ToRasa
from bot.channels.wechat.simulator import WeChatSimulator, to_xml
from bot.channels.wechat.store import WeChatStore
from bot.state import ChannelState
from tests.wechat.conftest import openid
from tests.wechat.fakes import FakeWeChat, LoopbackServers

SIM = WeChatSimulator("http://127.0.0.1:1", "token")
DEADLINE, WECHAT_TIMEOUT = 0.3, 0.6
LINES = [f"第{n}行：江門不動產登記可以在香港的跨境通辦專區辦理，請帶齊證件。" for n in range(150)]
MEDIUM, LONG = "\n".join(LINES[:60]), "\n".join(LINES)  # 4 and 8 parts


@pytest.fixture(scope="module")
def wechat_api_server() -> Iterator[tuple[FakeWeChat, str]]:
    servers, fake = LoopbackServers(), FakeWeChat()
    yield fake, servers.serve(fake.app())
    servers.close()


@dataclass
class ScriptedBot:
    """Stands in for Rasa: answers each text after ``delay`` seconds and counts the turns."""

    delay: float = 0.0
    answer: str = "好的"
    buttons: list[dict[str, str]] = field(default_factory=list)
    turns: list[str] = field(default_factory=list)
    forgotten: list[str] = field(default_factory=list)
    running: int = 0
    most_running: int = 0

    async def run_turn(self, user: str, key: str, action: ToRasa) -> tuple[list[dict[str, Any]], bool]:
        self.turns.append(action.text)
        self.running += 1
        self.most_running = max(self.most_running, self.running)
        await asyncio.sleep(self.delay)
        self.running -= 1
        return [{"text": self.answer, "buttons": self.buttons}], action.text == "/human_handoff"

    async def forget(self, user: str) -> None:
        self.forgotten.append(user)


def exchange(store: WeChatStore, bot: ScriptedBot, api: WeChatApi | None = None) -> Exchange:
    return Exchange(store, api, bot.run_turn, bot.forget, deadline=DEADLINE,
                    wechat_timeout=WECHAT_TIMEOUT, rest_delay=0.05)


def text(user: str, content: str) -> Any:
    return parse_message(to_xml(SIM.text(user, content)))


@pytest.fixture
def store(state: ChannelState) -> WeChatStore:
    return WeChatStore(state)


@pytest.fixture
async def kf(wechat_api_server: tuple[FakeWeChat, str],
             store: WeChatStore) -> AsyncIterator[tuple[FakeWeChat, WeChatApi]]:
    """The fake WeChat, and our API client talking to it (an account with 客服 rights)."""
    fake, url = wechat_api_server
    async with WeChatApi(WeChatConfig("token", fake.app_id, None, fake.secret, url), store) as api:
        yield fake, api


async def test_three_copies_one_turn_the_same_answer(store: WeChatStore) -> None:
    bot, user = ScriptedBot(delay=0.1, answer="不動產登記可以不出關辦理"), openid()
    channel, message = exchange(store, bot), text(user, "物業登記使唔使親身去")
    replies = await asyncio.gather(*(channel.handle(message, ToRasa(message.content))
                                     for _ in range(3)))
    assert bot.turns == ["物業登記使唔使親身去"]
    assert replies == [Reply("不動產登記可以不出關辦理")] * 3
    # a retry after the answer went out gets it again (WeChat retries only when it missed it)
    assert await channel.handle(message, ToRasa(message.content)) == replies[0]
    assert bot.turns == ["物業登記使唔使親身去"]


async def test_without_customer_service_a_retry_takes_the_late_answer(store: WeChatStore) -> None:
    bot, user = ScriptedBot(delay=0.7, answer="遲到的答案"), openid()
    channel, message = exchange(store, bot), text(user, "慢慢答")
    first = asyncio.create_task(channel.handle(message, ToRasa(message.content)))
    await asyncio.sleep(WECHAT_TIMEOUT)  # WeChat gave up on the first delivery and retries
    assert await channel.handle(message, ToRasa(message.content)) == Reply("遲到的答案")
    assert await first == NOTHING  # stayed silent past WeChat's timeout, so that it retried
    assert bot.turns == ["慢慢答"]


async def test_after_the_last_retry_the_answer_comes_with_the_next_message(
        store: WeChatStore) -> None:
    bot, user = ScriptedBot(delay=2.0, answer="第一個答案"), openid()
    channel, message = exchange(store, bot), text(user, "好慢的問題")
    replies = []
    for _ in range(3):  # WeChat's three deliveries, each cut after its timeout
        delivery = asyncio.create_task(channel.handle(message, ToRasa(message.content)))
        await asyncio.wait({delivery}, timeout=WECHAT_TIMEOUT)
        replies.append(delivery)
    last = await replies[-1]
    assert last.text and "稍後回覆任意文字" in last.text
    await asyncio.sleep(2.0)  # the answer is ready now, and nobody waits for it
    bot.delay, bot.answer = 0.0, "第二個答案"
    second = text(user, "喂")
    assert await channel.handle(second, ToRasa("喂")) == Reply("第一個答案\n\n第二個答案")


async def test_a_slow_answer_goes_by_customer_service(
        store: WeChatStore, kf: tuple[FakeWeChat, WeChatApi]) -> None:
    (fake, api), user = kf, openid()
    bot = ScriptedBot(delay=0.6, answer="社保證明可以網上辦")
    channel = exchange(store, bot, api)
    message = text(user, "點樣辦社保證明")
    fake.user_wrote(user)
    assert await channel.handle(message, ToRasa(message.content)) == NOTHING  # "success"
    assert await fake.wait_for_texts(user) == ["社保證明可以網上辦"]
    # WeChat does not retry after "success"; if it did, the user would not get it twice
    assert await channel.handle(message, ToRasa(message.content)) == NOTHING
    await channel.close()


async def test_a_long_answer_passive_part_then_customer_service(
        store: WeChatStore, kf: tuple[FakeWeChat, WeChatApi]) -> None:
    (fake, api), user = kf, openid()
    channel = exchange(store, ScriptedBot(answer=MEDIUM), api)
    message = text(user, "全部講晒")
    fake.user_wrote(user)
    reply = await channel.handle(message, ToRasa(message.content))
    rest = await fake.wait_for_texts(user, count=3)
    parts = [reply.text or "", *rest]
    assert all(len(part.encode("utf-8")) <= 2048 for part in parts) and len(parts) == 4
    assert "\n".join(parts) == MEDIUM  # split between lines, nothing lost or reordered
    await channel.close()


async def test_a_long_answer_without_customer_service_continues_with_the_next_message(
        store: WeChatStore) -> None:
    bot, user = ScriptedBot(answer=MEDIUM), openid()
    channel = exchange(store, bot)
    first = await channel.handle(text(user, "全部講晒"), ToRasa("全部講晒"))
    assert first.text and first.text.endswith("（未完，回覆任意文字看下一部分）")
    assert len(first.text.encode("utf-8")) <= 2048
    bot.answer = "好的"
    second = await channel.handle(text(user, "繼續"), ToRasa("繼續"))
    assert second.text and second.text.startswith(LINES[first.text.count("\n") - 1][:3])
    assert len(second.text.encode("utf-8")) <= 2048


async def test_customer_service_quota_then_the_next_message(
        store: WeChatStore, kf: tuple[FakeWeChat, WeChatApi]) -> None:
    """WeChat allows 5 客服 messages per user message: an 8-part answer is 1 passive reply,
    5 客服 messages, and 2 parts that wait for the user's next message."""
    (fake, api), user = kf, openid()
    channel = exchange(store, ScriptedBot(answer=LONG), api)
    fake.user_wrote(user)
    reply = await channel.handle(text(user, "全部"), ToRasa("全部"))
    await fake.wait_for_texts(user, count=5)
    await asyncio.sleep(0.3)
    assert reply.text and len(fake.texts_to(user)) == 5
    assert len(await store.pop_pending(user)) == 2
    await channel.close()


async def test_an_access_token_is_fetched_once_and_again_when_wechat_calls_it_stale(
        store: WeChatStore, kf: tuple[FakeWeChat, WeChatApi]) -> None:
    fake, api = kf
    users = [openid() for _ in range(5)]
    before = fake.token_fetches
    for user in users:  # each wrote to the account
        fake.user_wrote(user)
        await store.open_window(user, "message")
    results = await asyncio.gather(*(api.send_text(user, "通知") for user in users))
    assert all(results) and fake.token_fetches == before + 1
    fake._token = f"replaced-{uuid.uuid4().hex}"  # e.g. someone used /cgi-bin/token elsewhere
    assert await api.send_text(users[0], "再通知")
    assert fake.token_fetches == before + 2


async def test_send_text_for_the_staff_desk(monkeypatch: pytest.MonkeyPatch,
                                            wechat_api_server: tuple[FakeWeChat, str]) -> None:
    """Contract 8: ``send_text(openid, text)`` respects WeChat's window and says why not."""
    fake, url = wechat_api_server
    monkeypatch.setenv("WECHAT_TOKEN", "token")
    monkeypatch.setenv("WECHAT_APP_ID", fake.app_id)
    monkeypatch.setenv("WECHAT_APP_SECRET", fake.secret)
    monkeypatch.setenv("WECHAT_API_BASE", url)
    user, store = openid(), WeChatStore()
    silent = await api_module.send_text(user, "你的預約改到明天上午10點")
    assert not silent and "window" in (silent.reason or "")
    await store.open_window(user, "message")  # the user wrote to the account
    fake.user_wrote(user)
    assert await api_module.send_text(user, "你的預約改到明天上午10點")
    assert fake.texts_to(user) == ["你的預約改到明天上午10點"]


async def test_channel_replies_and_the_rate_limit(store: WeChatStore) -> None:
    bot, user = ScriptedBot(), openid()
    channel = exchange(store, bot)
    image = parse_message(to_xml(SIM.image(user)))
    assert "請用文字輸入" in ((await channel.handle(image, Say("please_type"))).text or "")
    english = text(user, "x" * 3000)
    reply = await channel.handle(english, Say("too_long", hint="x" * 3000))
    assert reply.text and reply.text.startswith("That message is too long")
    replies = [await channel.handle(text(user, f"第{n}條"), ToRasa(f"第{n}條")) for n in range(32)]
    assert len(bot.turns) == 30  # RATE_LIMIT_PER_SENDER
    assert replies[30].text and "太快" in replies[30].text
    assert replies[31] == NOTHING  # told once per window


async def test_unsubscribe_forgets_everything_about_the_user(store: WeChatStore) -> None:
    bot = ScriptedBot(buttons=[{"title": "香港", "payload": "/hk"}])
    user, other = openid(), openid()
    channel = exchange(store, bot)
    for who in (user, other):
        await channel.handle(text(who, "你好"), ToRasa("你好"))
    assert await store.option(user, "1") == "/hk"
    goodbye = parse_message(to_xml(SIM.event(user, "unsubscribe")))
    assert await channel.handle(goodbye, Forget()) == NOTHING
    assert bot.forgotten == [user]  # the bot's conversation (the channel deletes the tracker)
    assert await store.option(user, "1") is None and await store.language(user) is None
    assert await store.option(other, "1") == "/hk"


def test_wechats_five_seconds_start_when_it_sent_the_message() -> None:
    now = time.time()
    assert sent_at(100.0, int(now) + 3) == 100.0  # our clock behind: counted from receipt
    assert 98.5 <= sent_at(100.0, int(now) - 1) <= 99.0  # sent a second or so ago
    assert sent_at(100.0, int(now) - 60) == 98.5  # a skewed clock moves it back 1.5 s at most


async def test_at_most_eight_turns_run_at_once(store: WeChatStore) -> None:
    bot = ScriptedBot(delay=0.1)
    channel = exchange(store, bot)
    await asyncio.gather(*(channel.handle(text(user, "你好"), ToRasa("你好"))
                           for user in [openid() for _ in range(20)]))
    assert len(bot.turns) == 20 and bot.most_running == 8
