"""The real Rasa server running the WeChat channel in plain mode, for an account without 客服
rights (passive replies only; channel state in memory): what arrives late is delivered through
WeChat's own retries."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest
import requests

from bot.channels.wechat.__main__ import main
from bot.channels.wechat.simulator import WeChatSimulator
from tests.wechat.conftest import WeChatSetup, openid
from tests.wechat.test_protocol import BILLION_LAUGHS, EXTERNAL_ENTITY

pytestmark = pytest.mark.stack


@pytest.fixture
async def wechat(plain_wechat: WeChatSetup) -> AsyncIterator[WeChatSimulator]:
    simulator = plain_wechat.simulator()
    assert simulator.mode == "plain"
    yield simulator
    await simulator.close()


async def test_verification_and_a_round_trip(plain_wechat: WeChatSetup,
                                             wechat: WeChatSimulator) -> None:
    assert await wechat.verify("1234567890") == (200, "1234567890")
    user = openid()
    delivered = await plain_wechat.send(wechat, wechat.text(user, "提取公积金需要什么材料"))
    assert delivered.reply_type == "text" and "<Encrypt>" not in delivered.body
    assert "住房公积金" in (delivered.content or "")  # answered in the Simplified it was asked in
    assert await plain_wechat.user_texts(user) == ["提取公积金需要什么材料"]


async def test_forged_stale_and_hostile_requests_never_reach_the_bot(
        plain_wechat: WeChatSetup, wechat: WeChatSimulator) -> None:
    user = openid()
    fields = wechat.text(user, "你好")
    params, body = wechat.request(fields)
    assert (await wechat.post({**params, "signature": "0" * 40}, body))[0] == 403
    assert (await wechat.post(*wechat.request(fields, timestamp=int(time.time()) + 400)))[0] == 403
    assert (await wechat.post(params, BILLION_LAUGHS.encode()))[0] == 400
    assert (await wechat.post(params, EXTERNAL_ENTITY.encode()))[0] == 400
    assert (await wechat.post(params, b"<xml>" + b"x" * 100_000 + b"</xml>"))[0] == 413
    assert await plain_wechat.user_texts(user) == []


async def test_one_message_three_deliveries_one_turn(plain_wechat: WeChatSetup,
                                                     wechat: WeChatSimulator) -> None:
    user = openid()
    fields = wechat.text(user, "點樣辦社保證明")
    answers = {(await wechat.send(fields)).content for _ in range(3)}
    assert len(answers) == 1 and None not in answers
    assert await plain_wechat.user_texts(user) == ["點樣辦社保證明"]


async def test_a_late_answer_comes_with_wechats_retry(plain_wechat: WeChatSetup,
                                                      wechat: WeChatSimulator) -> None:
    user = openid()
    # the action server holds the booking form's turn about 6 s (the Rasa server answers
    # questions about the catalog itself)
    plain_wechat.proxy.slow_users.add(user)
    delivered = await plain_wechat.send(wechat, wechat.text(user, "我想预约视频办不动产登记"))
    assert delivered.deliveries == 2 and delivered.reply_type == "text"
    assert "不动产登记" in (delivered.content or "") and "回复 1：" in (delivered.content or "")
    assert await plain_wechat.user_texts(user) == ["我想预约视频办不动产登记"]


async def test_unsubscribe_deletes_the_conversation(plain_wechat: WeChatSetup,
                                                    wechat: WeChatSimulator) -> None:
    user = openid()
    await plain_wechat.send(wechat, wechat.text(user, "你好"))
    assert await plain_wechat.user_texts(user) == ["你好"]
    assert (await plain_wechat.send(wechat, wechat.event(user, "unsubscribe"))).body == "success"
    assert await plain_wechat.user_texts(user) == []
    # numbered options were forgotten too: "1" is just "1" now
    await plain_wechat.send(wechat, wechat.text(user, "1"))
    assert await plain_wechat.user_texts(user) == ["1"]


def test_the_simulate_command_and_the_health_check(plain_wechat: WeChatSetup,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("WECHAT_TOKEN", plain_wechat.token)
    for name in ("WECHAT_APP_ID", "WECHAT_ENCODING_AES_KEY", "WECHAT_APP_SECRET"):
        monkeypatch.delenv(name, raising=False)
    assert main(["simulate", "--url", plain_wechat.stack.rasa_url, "--openid", openid(),
                 "點樣預約視像辦"]) == 0
    printed = capsys.readouterr().out
    assert "[plain mode, 1 deliveries" in printed and "回覆 1：" in printed
    health = requests.get(f"{plain_wechat.stack.rasa_url}/webhooks/wechat/", timeout=10)
    assert health.json() == {"status": "ok", "safe_mode": False}
