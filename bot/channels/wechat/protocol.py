"""WeChat's message-push protocol, on wechatpy: signatures, safe-mode crypto, parsing, replies.

Everything here is pure CPU and raises ``Refused`` (with the HTTP status to answer) for a request
that must not reach the bot. Sources for each rule are in docs/wechat.md.
"""

from __future__ import annotations

import hmac
import re
import time
from dataclasses import dataclass
from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree as SafeXML
from defusedxml import DefusedXmlException
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.messages import BaseMessage
from wechatpy.replies import BaseReply, TextReply, TransferCustomerServiceReply
from wechatpy.utils import WeChatSigner

from bot.channels.wechat.config import MAX_CLOCK_SKEW, WeChatConfig

# OpenIDs are 28 characters of [A-Za-z0-9_-]; allow some room, nothing else
_OPENID = re.compile(r"[A-Za-z0-9_-]{6,64}")
# characters XML 1.0 forbids; a bot text containing one would make WeChat reject the reply
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class Refused(Exception):
    """A request the channel refuses; ``status`` is the HTTP answer (400, 403)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class Incoming:
    """One verified message from WeChat."""

    message: BaseMessage
    encrypted: bool
    nonce: str
    timestamp: int  # when WeChat sent it (seconds)


def signature_of(*parts: str) -> str:
    """WeChat's signature: SHA-1 of the sorted, joined parts (token, timestamp, nonce[, Encrypt])."""
    signer = WeChatSigner()
    signer.add_data(*parts)
    return signer.signature


def check_signature(expected_parts: tuple[str, ...], signature: str | None) -> None:
    if not signature or not hmac.compare_digest(signature_of(*expected_parts), signature):
        raise Refused(403, "bad signature")


def check_request(config: WeChatConfig, args: dict[str, str], now: float | None = None) -> None:
    """The URL signature every request carries, and a fresh timestamp."""
    timestamp, nonce = args.get("timestamp", ""), args.get("nonce", "")
    if not timestamp.isdigit() or not nonce:
        raise Refused(403, "missing timestamp or nonce")
    check_signature((config.token, timestamp, nonce), args.get("signature"))
    if abs((now or time.time()) - int(timestamp)) > MAX_CLOCK_SKEW:
        raise Refused(403, "stale timestamp")


def xml_fields(body: bytes | str) -> dict[str, str]:
    """The top-level fields of a WeChat XML document. DTDs (hence entities) are refused before
    anything is expanded; so is anything that is not well-formed ``<xml>…</xml>``."""
    try:
        root = SafeXML.fromstring(body, forbid_dtd=True, forbid_entities=True,
                                  forbid_external=True)
    except (DefusedXmlException, ParseError, ValueError) as error:
        raise Refused(400, f"not acceptable XML: {type(error).__name__}") from None
    if root.tag != "xml":
        raise Refused(400, "the root element is not <xml>")
    return {child.tag: child.text or "" for child in root}


def open_request(config: WeChatConfig, args: dict[str, str], body: bytes,
                 now: float | None = None) -> Incoming:
    """Checks and opens a POST from WeChat: signatures, freshness, decryption, appid, parsing."""
    check_request(config, args, now)
    envelope = xml_fields(body)
    encrypted = args.get("encrypt_type") == "aes"
    if config.safe_mode and not encrypted:
        # in plain mode the signature does not cover the body: never accept that once keyed
        raise Refused(403, "the account is in safe mode; the body must be encrypted")
    if encrypted:
        if not config.safe_mode:
            raise Refused(400, "encrypted message, but WECHAT_ENCODING_AES_KEY is not set")
        xml = _decrypt(config, args, envelope)
        fields = xml_fields(xml)
    else:
        xml, fields = _utf8(body), envelope
    if not _OPENID.fullmatch(fields.get("FromUserName", "")) or not fields.get("MsgType"):
        raise Refused(400, "not a WeChat message")
    try:
        message = parse_message(xml)
    except (KeyError, ValueError, TypeError) as error:
        raise Refused(400, f"unreadable message: {error!r}") from None
    return Incoming(message, encrypted, args["nonce"], int(args["timestamp"]))


def _utf8(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "the body is not UTF-8") from None


def _decrypt(config: WeChatConfig, args: dict[str, str], envelope: dict[str, str]) -> str:
    encrypt = envelope.get("Encrypt", "")
    if not encrypt:
        raise Refused(400, "no <Encrypt> in an encrypted message")
    timestamp, nonce = args["timestamp"], args["nonce"]
    check_signature((config.token, timestamp, nonce, encrypt), args.get("msg_signature"))
    try:
        return _crypto(config).decrypt_message(envelope, args["msg_signature"], timestamp, nonce)
    except InvalidAppIdException:
        raise Refused(403, "the message is for another appid") from None
    except InvalidSignatureException:
        raise Refused(403, "bad msg_signature") from None
    except Exception as error:  # garbage ciphertext: base64, padding, length, UTF-8
        raise Refused(400, f"cannot decrypt: {type(error).__name__}") from None


def _crypto(config: WeChatConfig) -> WeChatCrypto:
    return WeChatCrypto(config.token, config.encoding_aes_key, config.app_id)


def cdata_safe(text: str) -> str:
    """Text that can sit inside <![CDATA[…]]>: wechatpy does not split "]]>", which would end the
    section early (and let a bot text inject XML elements)."""
    return _NOT_XML.sub("", text).replace("]]>", "]]]]><![CDATA[>")


def text_reply(incoming: Incoming, text: str) -> BaseReply:
    return TextReply(message=incoming.message, content=cdata_safe(text))


def transfer_reply(incoming: Incoming) -> BaseReply:
    return TransferCustomerServiceReply(message=incoming.message)


def render(config: WeChatConfig, incoming: Incoming, reply: BaseReply,
           now: float | None = None) -> str:
    """The reply XML, encrypted (with a fresh msg_signature) when the request was."""
    xml = reply.render()
    if not incoming.encrypted:
        return xml
    return _crypto(config).encrypt_message(xml, incoming.nonce, str(int(now or time.time())))
