"""WeChat's protocol on its own: requests built by wechatpy (the simulator) as WeChat builds them,
opened by the channel; hostile and broken ones refused before anything is expanded or decrypted."""

from __future__ import annotations

import time

import pytest
from wechatpy.replies import deserialize_reply

from bot.channels.wechat import protocol
from bot.channels.wechat.config import ConfigError, WeChatConfig
from bot.channels.wechat.protocol import Refused, open_request, xml_fields
from bot.channels.wechat.simulator import WeChatSimulator
from tests.wechat.conftest import aes_key, openid
from tests.wechat.fakes import APP_ID

TOKEN = "test-token-1"
KEY = aes_key()
SAFE = WeChatConfig(TOKEN, APP_ID, KEY)
PLAIN = WeChatConfig(TOKEN)
USER = openid()

BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa">'
    + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
    + f"]><xml><ToUserName>gh</ToUserName><FromUserName>{USER}</FromUserName>"
    "<CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&i;</Content><MsgId>1</MsgId></xml>")
EXTERNAL_ENTITY = ('<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                   f"<xml><FromUserName>{USER}</FromUserName><Content>&x;</Content></xml>")


def simulator(mode: str, app_id: str = APP_ID, token: str = TOKEN) -> WeChatSimulator:
    return WeChatSimulator("http://127.0.0.1:1", token, app_id, KEY if mode != "plain" else None,
                           mode=mode)


@pytest.mark.parametrize("mode", ["plain", "compatible", "safe"])
def test_a_text_message_opens_in_every_mode(mode: str) -> None:
    sim = simulator(mode)
    params, body = sim.request(sim.text(USER, "點樣辦社保證明？]]>"))
    incoming = open_request(PLAIN if mode == "plain" else SAFE, params, body)
    assert incoming.message.type == "text" and incoming.message.source == USER
    assert incoming.message.content == "點樣辦社保證明？]]>"
    assert incoming.encrypted == (mode != "plain")


def test_compatible_mode_trusts_only_the_encrypted_copy() -> None:
    sim = simulator("compatible")
    params, body = sim.request(sim.text(USER, "真的"))
    tampered = body.replace("<![CDATA[真的]]>".encode(), "<![CDATA[假的]]>".encode())
    assert open_request(SAFE, params, tampered).message.content == "真的"


@pytest.mark.parametrize("change", [
    {"signature": "0" * 40}, {"signature": ""}, {"nonce": "1"}, {"timestamp": "abc"},
    {"msg_signature": "0" * 40}])
def test_bad_signatures_are_forbidden(change: dict[str, str]) -> None:
    sim = simulator("safe")
    params, body = sim.request(sim.text(USER, "你好"))
    with pytest.raises(Refused) as refused:
        open_request(SAFE, {**params, **change}, body)
    assert refused.value.status == 403


def test_another_token_another_appid_a_stale_time_are_forbidden() -> None:
    for sim in (simulator("safe", token="another-token"), simulator("safe", app_id="wx00000000")):
        with pytest.raises(Refused, match=r"signature|appid") as refused:
            open_request(SAFE, *sim.request(sim.text(USER, "你好")))
        assert refused.value.status == 403
    sim = simulator("safe")
    for skew in (-301, 301):
        params, body = sim.request(sim.text(USER, "你好"), timestamp=int(time.time()) + skew)
        with pytest.raises(Refused, match="stale"):
            open_request(SAFE, params, body)


def test_a_keyed_account_refuses_plain_bodies() -> None:
    """In plain mode the signature does not cover the body: once keyed, plain is refused."""
    sim = simulator("plain")
    with pytest.raises(Refused, match="safe mode") as refused:
        open_request(SAFE, *sim.request(sim.text(USER, "你好")))
    assert refused.value.status == 403


def test_tampered_ciphertext_is_refused() -> None:
    sim = simulator("safe")
    params, body = sim.request(sim.text(USER, "你好"))
    encrypt = xml_fields(body)["Encrypt"]
    forged = body.replace(encrypt.encode(), (encrypt[:-8] + "AAAAAAA=").encode())
    with pytest.raises(Refused):
        open_request(SAFE, params, forged)


@pytest.mark.parametrize("body", [
    BILLION_LAUGHS.encode(), EXTERNAL_ENTITY.encode(), b"<xml><Content>unclosed</xml>", b"",
    b"not xml at all", b"<root><MsgType>text</MsgType></root>",
    "<xml><Content>中文</Content></xml>".encode("gbk")])
def test_malformed_and_hostile_xml_is_refused_unexpanded(body: bytes) -> None:
    sim = simulator("plain")
    params, _ = sim.request(sim.text(USER, "x"))
    started = time.monotonic()
    with pytest.raises(Refused) as refused:
        open_request(PLAIN, params, body)
    assert refused.value.status == 400 and time.monotonic() - started < 0.5


def test_an_entity_bomb_inside_the_ciphertext_is_refused() -> None:
    sim = simulator("safe")
    params, _ = sim.request(sim.text(USER, "x"))
    sealed = sim.crypto.encrypt_message(BILLION_LAUGHS, params["nonce"], params["timestamp"])
    fields = xml_fields(sealed)
    with pytest.raises(Refused) as refused:
        open_request(SAFE, {**params, "encrypt_type": "aes",
                            "msg_signature": fields["MsgSignature"]}, sealed.encode())
    assert refused.value.status == 400


def test_verification_signature() -> None:
    sim = simulator("plain")
    params, _ = sim.request(sim.text(USER, "x"))
    protocol.check_request(PLAIN, params)
    with pytest.raises(Refused):
        protocol.check_request(WeChatConfig("other-token"), params)


@pytest.mark.parametrize("mode", ["plain", "safe"])
def test_replies_escape_cdata_and_encrypt(mode: str) -> None:
    sim = simulator(mode)
    incoming = open_request(PLAIN if mode == "plain" else SAFE,
                            *sim.request(sim.text(USER, "hi")))
    evil = "a]]><Content>injected</Content><![CDATA[b\x07"
    xml = protocol.render(PLAIN if mode == "plain" else SAFE, incoming, protocol.text_reply(incoming, evil))
    delivered = sim.decode(200, xml, 1, 0.0)
    assert delivered.reply_type == "text" and delivered.content == "a]]><Content>injected</Content><![CDATA[b"
    assert delivered.fields["ToUserName"] == USER
    assert ("<Encrypt>" in xml) == (mode == "safe")


def test_transfer_reply() -> None:
    sim = simulator("plain")
    incoming = open_request(PLAIN, *sim.request(sim.text(USER, "轉人工")))
    reply = deserialize_reply(protocol.render(PLAIN, incoming, protocol.transfer_reply(incoming)))
    assert reply.type == "transfer_customer_service" and reply.target == USER


def test_settings_from_the_environment() -> None:
    assert WeChatConfig.from_env({}) is None
    config = WeChatConfig.from_env({"WECHAT_TOKEN": "t", "WECHAT_APP_ID": APP_ID,
                                    "WECHAT_ENCODING_AES_KEY": KEY, "WECHAT_APP_SECRET": "s",
                                    "WECHAT_API_BASE": "http://127.0.0.1:9/"})
    assert config and config.safe_mode and config.has_api
    assert config.api_base == "http://127.0.0.1:9"
    with pytest.raises(ConfigError, match="43"):
        WeChatConfig.from_env({"WECHAT_TOKEN": "t", "WECHAT_APP_ID": APP_ID,
                               "WECHAT_ENCODING_AES_KEY": KEY[:-1] + "+"})
    with pytest.raises(ConfigError, match="WECHAT_APP_ID"):
        WeChatConfig.from_env({"WECHAT_TOKEN": "t", "WECHAT_ENCODING_AES_KEY": KEY})
