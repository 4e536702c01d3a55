"""The WeChat channel's settings: the account's secrets from the environment, WeChat's limits as
constants (with the source of each in docs/wechat.md).

The channel is off unless ``WECHAT_TOKEN`` is set. credentials.yml only names the channel: Rasa
expands ``${VAR}`` there and refuses to start when a variable is missing, so the channel reads the
environment itself.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_API_BASE = "https://api.weixin.qq.com"

# WeChat drops the connection after 5 s and retries; answer passively only when ready by then,
# leaving time for a busy server to send the reply, and for the network.
WECHAT_TIMEOUT = 5.0
PASSIVE_DEADLINE = 3.5
# WeChat delivers a message at most three times, about 5 s apart.
DELIVERIES = 3
# How much earlier than our receipt WeChat's 5 s may have started (its timestamp has whole seconds,
# and a busy server accepts late).
MAX_QUEUEING = 1.5
# Requests whose timestamp is further than this from our clock are refused (replays).
MAX_CLOCK_SKEW = 300
# WeChat's messages are a few hundred bytes (compatible mode about three times that).
MAX_BODY_BYTES = 32 * 1024
# Text in one passive reply or one 客服 message, in UTF-8 bytes.
TEXT_LIMIT_BYTES = 2048
# A user message opens a 客服 window of 48 hours for 5 messages; a menu click or a subscribe
# opens 3 messages for one minute.
MESSAGE_WINDOW = (5, 48 * 3600.0)
EVENT_WINDOW = (3, 60.0)
# How long the channel remembers a message (dedup, the answer for a late retry).
MESSAGE_MEMORY = 600.0
# How long a user's numbered options and reply language are kept.
USER_MEMORY = 48 * 3600.0
# Rasa turns the channel runs at once in one process; more wait their turn. Rasa's language
# understanding holds the event loop, and with dozens of turns at once every request of the server
# (WeChat's 5 seconds among them) would wait behind them.
MAX_CONCURRENT_TURNS = 8
# Outbound calls to WeChat: short, they may sit on the path of a reply.
API_TIMEOUT = 5.0

_AES_KEY = re.compile(r"[A-Za-z0-9]{43}")
_TRUE = {"1", "true", "yes", "on"}


class ConfigError(ValueError):
    """The WECHAT_* settings are inconsistent; the message says which one to fix."""


@dataclass(frozen=True)
class WeChatConfig:
    token: str
    app_id: str | None = None
    encoding_aes_key: str | None = None
    app_secret: str | None = None
    api_base: str = DEFAULT_API_BASE
    # "talk to a person" hands the user to the account's own 客服 console
    transfer_to_customer_service: bool = False

    def __post_init__(self) -> None:
        if self.encoding_aes_key and not _AES_KEY.fullmatch(self.encoding_aes_key):
            raise ConfigError("WECHAT_ENCODING_AES_KEY must be the 43 letters and digits "
                              "shown in the account's server configuration")
        if (self.encoding_aes_key or self.app_secret) and not self.app_id:
            raise ConfigError("WECHAT_APP_ID is needed with WECHAT_ENCODING_AES_KEY or "
                              "WECHAT_APP_SECRET")
        if self.transfer_to_customer_service and not self.app_secret:
            raise ConfigError("WECHAT_TRANSFER_TO_CUSTOMER_SERVICE needs WECHAT_APP_SECRET "
                              "(the user is told the other routes by 客服 message)")

    @property
    def safe_mode(self) -> bool:
        """Safe or compatible mode: bodies are encrypted, and so are our replies."""
        return bool(self.encoding_aes_key)

    @property
    def has_api(self) -> bool:
        """Whether the channel can call WeChat (access tokens, 客服 messages, the menu)."""
        return bool(self.app_id and self.app_secret)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> WeChatConfig | None:
        """The settings, or None when WECHAT_TOKEN is unset (the channel is off)."""
        env = os.environ if environ is None else environ
        token = env.get("WECHAT_TOKEN", "").strip()
        if not token:
            return None
        return cls(token=token,
                   app_id=env.get("WECHAT_APP_ID", "").strip() or None,
                   encoding_aes_key=env.get("WECHAT_ENCODING_AES_KEY", "").strip() or None,
                   app_secret=env.get("WECHAT_APP_SECRET", "").strip() or None,
                   api_base=(env.get("WECHAT_API_BASE", "").strip()
                             or DEFAULT_API_BASE).rstrip("/"),
                   transfer_to_customer_service=env.get(
                       "WECHAT_TRANSFER_TO_CUSTOMER_SERVICE", "").strip().lower() in _TRUE)
