"""The real Rasa server running the WeChat channel in safe mode, for an account with 客服 rights
(WeChat's API faked on loopback), channel state in a real Redis. WeChat's side is played by
wechatpy: requests signed and encrypted, replies decrypted and their signature checked."""

from __future__ import annotations

import asyncio
import re
import statistics
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import redis.asyncio as aioredis

from bot.channels.wechat.simulator import WeChatSimulator
from bot.state.redis import KEY_PREFIX
from tests.wechat.conftest import WeChatSetup, openid
from tests.wechat.test_protocol import BILLION_LAUGHS

pytestmark = pytest.mark.stack

# what residents of Hong Kong and Macau ask, as they write it
QUESTIONS = ["我喺香港，可唔可以辦江門嘅物業登記？", "提取公积金需要什么材料", "澳門嘅服務點喺邊度",
             "Do I need to go to Jiangmen in person for marriage registration?", "點樣預約視像辦",
             "在澳门可以办江门哪些业务", "社保證明使唔使親身去", "你好"]


@pytest.fixture
async def wechat(safe_wechat: WeChatSetup) -> AsyncIterator[WeChatSimulator]:
    simulator = safe_wechat.simulator()
    yield simulator
    await simulator.close()


async def test_url_verification(safe_wechat: WeChatSetup, wechat: WeChatSimulator) -> None:
    assert await wechat.verify("5736297214452153876") == (200, "5736297214452153876")
    impostor = safe_wechat.simulator(token="not-the-token")
    assert (await impostor.verify("5736297214452153876"))[0] == 403
    await impostor.close()


@pytest.mark.parametrize("mode", ["safe", "compatible"])
async def test_a_cantonese_question_gets_a_traditional_answer(safe_wechat: WeChatSetup,
                                                              mode: str) -> None:
    wechat, user = safe_wechat.simulator(mode=mode), openid()
    question = "我喺香港，可唔可以辦江門嘅物業登記？"
    delivered = await safe_wechat.send(wechat, wechat.text(user, question))
    await wechat.close()
    assert delivered.status == 200 and "<Encrypt>" in delivered.body  # the reply is encrypted
    assert delivered.reply_type == "text" and delivered.deliveries == 1
    assert delivered.fields["ToUserName"] == user
    answer = delivered.content or ""
    assert "不動產登記" in answer and "以官方公佈為準" in answer
    assert re.search(r"^回覆 \d+：所需材料$", answer, re.MULTILINE)  # a button, numbered
    assert await safe_wechat.user_texts(user) == [question]


async def test_forged_requests_never_reach_the_bot(safe_wechat: WeChatSetup,
                                                   wechat: WeChatSimulator) -> None:
    user = openid()
    fields = wechat.text(user, "我想轉人工")
    params, body = wechat.request(fields)
    other_account = safe_wechat.simulator(app_id="wx0000000000000000")
    attempts = [
        ({**params, "signature": "f" * 40}, body),                      # forged signature
        ({**params, "msg_signature": "f" * 40}, body),                  # forged msg_signature
        other_account.request(fields),                                  # another appid
        wechat.request(fields, timestamp=int(time.time()) - 600),       # a stale replay
        safe_wechat.simulator(mode="plain").request(fields),            # plain body, keyed account
    ]
    for attempt in attempts:
        status, text = await wechat.post(*attempt)
        assert status == 403, text
    await other_account.close()
    assert await safe_wechat.user_texts(user) == []


async def test_hostile_and_oversized_bodies(safe_wechat: WeChatSetup,
                                            wechat: WeChatSimulator) -> None:
    user = openid()
    params, _ = wechat.request(wechat.text(user, "x"))
    # an entity bomb, in the clear and inside the ciphertext
    assert (await wechat.post(params, BILLION_LAUGHS.encode()))[0] == 400
    sealed = wechat.crypto.encrypt_message(BILLION_LAUGHS, params["nonce"], params["timestamp"])
    signature = sealed.split("<MsgSignature><![CDATA[")[1].split("]]>")[0]
    inner = {**params, "encrypt_type": "aes", "msg_signature": signature}
    assert (await wechat.post(inner, sealed.encode()))[0] == 400
    # too large: by its declared length, and chunked (no length declared)
    huge = b"<xml>" + b"A" * 1_000_000 + b"</xml>"

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(40):
            yield b"A" * 4096

    async with aiohttp.ClientSession() as session:
        for body in (huge, chunks()):
            assert await _refused_as_too_large(session.post(wechat.url, params=params, data=body))
    assert await safe_wechat.user_texts(user) == []
    # the server is fine afterwards
    assert (await safe_wechat.send(wechat, wechat.text(user, "你好"))).reply_type == "text"


async def test_one_message_delivered_three_times_is_answered_once(
        safe_wechat: WeChatSetup, wechat: WeChatSimulator) -> None:
    user = openid()
    fields = wechat.text(user, "社保證明使唔使親身去")
    safe_wechat.fake.user_wrote(user)
    copies = await asyncio.gather(*(wechat.post(*wechat.request(fields)) for _ in range(3)))
    answers = {wechat.decode(status, body, 1, 0).content for status, body in copies}
    assert len(answers) == 1 and None not in answers
    retry = await wechat.send(fields)  # a retry after the answer is ready gets that answer
    assert retry.content in answers
    assert await safe_wechat.user_texts(user) == ["社保證明使唔使親身去"]


async def test_a_slow_answer_comes_by_customer_service(safe_wechat: WeChatSetup,
                                                       wechat: WeChatSimulator) -> None:
    user, fake = openid(), safe_wechat.fake
    safe_wechat.proxy.slow_users.add(user)  # the action server holds the booking form's turn
    fetches = fake.token_fetches
    delivered = await safe_wechat.send(wechat, wechat.text(user, "我想預約視像辦物業登記"))
    assert (delivered.status, delivered.body, delivered.deliveries) == (200, "success", 1)
    assert delivered.seconds < 5
    (answer,) = await fake.wait_for_texts(user, timeout=20)
    assert "不動產登記" in answer and "回覆 1：" in answer
    assert fake.token_fetches - fetches <= 1  # the token is cached, not fetched per message


async def test_numbered_options_send_their_payload(safe_wechat: WeChatSetup,
                                                   wechat: WeChatSimulator) -> None:
    user = openid()
    welcome = await safe_wechat.send(wechat, wechat.text(user, "你好"))
    assert "回覆 2：查找服務點" in (welcome.content or "")
    where = await safe_wechat.send(wechat, wechat.text(user, "2"))
    assert "服務點" in (where.content or "")
    assert await safe_wechat.user_texts(user) == ["你好", "/find_service_point"]


async def test_location_subscribe_menu_voice_and_other_messages(
        safe_wechat: WeChatSetup, wechat: WeChatSimulator) -> None:
    user = openid()
    welcome = await safe_wechat.send(wechat, wechat.event(user, "subscribe"))
    assert "我可以告訴你" in (welcome.content or "") and "回覆 1：" in (welcome.content or "")
    located = await safe_wechat.send(wechat, wechat.location(user, 22.58, 113.08, "江門"))
    assert located.reply_type == "text" and located.content
    clicked = await safe_wechat.send(wechat, wechat.event(user, "CLICK", "find_service_point"))
    assert "服務點" in (clicked.content or "")
    spoken = await safe_wechat.send(wechat, wechat.voice(user, "點樣預約視像辦"))
    assert spoken.content
    unheard = await safe_wechat.send(wechat, wechat.voice(user, ""))
    assert "語音" in (unheard.content or "")
    picture = await safe_wechat.send(wechat, wechat.image(user))
    assert "文字" in (picture.content or "")
    unknown_key = await safe_wechat.send(wechat, wechat.event(user, "CLICK", "/restart"))
    assert unknown_key.body == "success"
    assert await safe_wechat.user_texts(user) == [
        "/greet", '/share_location{"latitude": 22.58, "longitude": 113.08}',
        "/find_service_point", "點樣預約視像辦"]


async def test_talk_to_a_person_transfers_to_the_customer_service_console(
        safe_wechat: WeChatSetup, wechat: WeChatSimulator) -> None:
    user = openid()
    delivered = await safe_wechat.send(wechat, wechat.text(user, "我想轉人工"))
    assert delivered.reply_type == "transfer_customer_service"
    (routes,) = await safe_wechat.fake.wait_for_texts(user)  # the other routes, by 客服
    assert "12345" in routes


async def test_cdata_in_what_the_bot_says_back(safe_wechat: WeChatSetup,
                                               wechat: WeChatSimulator) -> None:
    user = openid()
    delivered = await safe_wechat.send(wechat, wechat.text(user, "物業]]><Content>x</Content>登記"))
    assert delivered.reply_type == "text" and delivered.content
    # one well-formed reply: nothing the user wrote became an element of its own
    assert set(delivered.fields) == {"ToUserName", "FromUserName", "CreateTime", "MsgType",
                                     "Content"}


async def test_unsubscribe_deletes_the_conversation_and_channel_state(
        safe_wechat: WeChatSetup, wechat: WeChatSimulator) -> None:
    user, other = openid(), openid()
    for who in (user, other):
        await safe_wechat.send(wechat, wechat.text(who, "你好"))
    redis = aioredis.from_url(safe_wechat.redis_url or "", decode_responses=True)
    user_keys = f"{KEY_PREFIX}wechat:user:{user}:*"
    assert [key async for key in redis.scan_iter(match=user_keys)]
    goodbye = await safe_wechat.send(wechat, wechat.event(user, "unsubscribe"))
    assert goodbye.body == "success"
    assert await safe_wechat.user_texts(user) == []
    assert [key async for key in redis.scan_iter(match=user_keys)] == []
    assert await safe_wechat.user_texts(other) == ["你好"]  # nobody else's
    await redis.close()


async def test_fifty_users_at_once_each_answered_within_five_seconds(
        safe_wechat: WeChatSetup, wechat: WeChatSimulator) -> None:
    users = [openid() for _ in range(50)]

    async def ask(user: str, question: str) -> tuple[float, float]:
        """(seconds until WeChat had its HTTP answer, seconds until the user had the answer)"""
        started = time.monotonic()
        delivered = await safe_wechat.send(wechat, wechat.text(user, question))
        assert delivered.status == 200 and delivered.deliveries == 1
        if delivered.reply_type == "text":
            return delivered.seconds, delivered.seconds
        answers = await safe_wechat.fake.wait_for_texts(user, timeout=30)
        assert len(answers) == 1, f"{user}: {answers} by 客服 after {delivered}"
        return delivered.seconds, time.monotonic() - started

    alone = await ask(openid(), QUESTIONS[0])
    timings = await asyncio.gather(*(ask(user, QUESTIONS[n % len(QUESTIONS)])
                                     for n, user in enumerate(users)))
    http = [t[0] for t in timings]
    answered = sorted(t[1] for t in timings)
    assert max(http) < 5.0
    print(f"\nWeChat reply time: 1 user {alone[1]:.2f} s; 50 users at once: median "
          f"{statistics.median(answered):.2f} s, p90 {answered[44]:.2f} s, max {answered[-1]:.2f}"
          f" s (HTTP max {max(http):.2f} s, {sum(a > 4.5 for a in answered)} by 客服)")


async def _refused_as_too_large(posting: Any) -> bool:
    """A 413; or, when the server answered and closed before the client had sent it all, the
    connection closed under the client: either way the body was refused unread."""
    try:
        async with posting as answer:
            return answer.status == 413
    except (aiohttp.ClientOSError, aiohttp.ServerDisconnectedError):
        return True
