"""Real stacks running the WeChat channel, WeChat's side played by wechatpy (the simulator) and a
fake of WeChat's API servers on loopback.

Two configurations, one stack each (module-scoped, so only one runs at a time):
- ``safe_wechat``: safe mode, an account with 客服 rights (the fake), transfer to the 客服
  console, channel state in a real Redis;
- ``plain_wechat``: plain mode, no app secret (passive replies only), channel state in memory.
"""

from __future__ import annotations

import secrets
import string
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered

from bot.channels.wechat.simulator import Delivered, WeChatSimulator
from bot.local_servers import free_port
from bot.stack import Stack
from tests.state.test_state import state  # noqa: F401  (the channel state: memory, real Redis)
from tests.wechat.fakes import APP_ID, FakeWeChat, LoopbackServers, SlowActionProxy


def aes_key() -> str:
    """A fresh EncodingAESKey: 43 letters and digits, like the one WeChat's settings page makes."""
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(43))


def openid() -> str:
    """An OpenID-shaped user id (28 characters), new for each test user."""
    return "o" + uuid.uuid4().hex[:27]


@dataclass
class WeChatStack(Stack):
    """A stack whose Rasa server runs the WeChat channel with ``wechat_env``, and reaches its
    action server through ``proxy_url`` (the slow-answer proxy)."""

    wechat_env: dict[str, str] = field(default_factory=dict)
    proxy_url: str = ""

    @property
    def env(self) -> dict[str, str]:
        return {**super().env, **self.wechat_env}

    @property
    def action_url(self) -> str:
        return self.proxy_url or super().action_url


@dataclass
class WeChatSetup:
    stack: WeChatStack
    proxy: SlowActionProxy
    token: str
    aes_key: str | None
    fake: FakeWeChat | None = None
    redis_url: str | None = None

    def simulator(self, **overrides: Any) -> WeChatSimulator:
        settings: dict[str, Any] = {"token": self.token, "app_id": APP_ID,
                                    "encoding_aes_key": self.aes_key, **overrides}
        return WeChatSimulator(self.stack.rasa_url, **settings)

    async def send(self, simulator: WeChatSimulator, fields: dict[str, Any]) -> Delivered:
        """A user writes (or clicks): WeChat opens the 客服 window, then pushes the message."""
        if self.fake:
            if fields["MsgType"] == "event":
                self.fake.user_clicked(fields["FromUserName"])
            else:
                self.fake.user_wrote(fields["FromUserName"])
        return await simulator.send(fields)

    async def user_texts(self, user: str) -> list[str]:
        """What Rasa stored of this user's messages, read from the tracker database."""
        store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(self.tracker_db))
        tracker = await store.retrieve(user)
        if tracker is None:
            return []
        return [event.text for event in tracker.events if isinstance(event, UserUttered)]

    @property
    def tracker_db(self) -> Path:
        return self.stack.run_dir / f"tracker-{self.stack.rasa_port}.db"


@pytest.fixture(scope="package")
def loopback() -> Iterator[LoopbackServers]:
    servers = LoopbackServers()
    yield servers
    servers.close()


def _wechat_stack(tmp: Path, loopback: LoopbackServers, env: dict[str, str],
                  fake: FakeWeChat | None = None, redis_url: str | None = None,
                  ) -> Iterator[WeChatSetup]:
    action_port = free_port()
    proxy = SlowActionProxy(target=f"http://127.0.0.1:{action_port}")
    stack = WeChatStack(rasa_port=free_port(), action_port=action_port, booking_port=free_port(),
                        booking_database=f"sqlite:///{tmp}/booking.db", run_dir=tmp,
                        wechat_env=env, proxy_url=loopback.serve(proxy.app()))
    with stack:
        yield WeChatSetup(stack, proxy, env["WECHAT_TOKEN"],
                          env["WECHAT_ENCODING_AES_KEY"] or None, fake, redis_url)


@pytest.fixture(scope="module")
def safe_wechat(tmp_path_factory: pytest.TempPathFactory, loopback: LoopbackServers,
                redis_url: str) -> Iterator[WeChatSetup]:
    fake = FakeWeChat()
    env = {"WECHAT_TOKEN": secrets.token_hex(8), "WECHAT_APP_ID": fake.app_id,
           "WECHAT_ENCODING_AES_KEY": aes_key(), "WECHAT_APP_SECRET": fake.secret,
           "WECHAT_API_BASE": loopback.serve(fake.app()),
           "WECHAT_TRANSFER_TO_CUSTOMER_SERVICE": "true", "REDIS_URL": redis_url}
    yield from _wechat_stack(tmp_path_factory.mktemp("wechat-safe"), loopback, env, fake,
                             redis_url)


@pytest.fixture(scope="module")
def plain_wechat(tmp_path_factory: pytest.TempPathFactory,
                 loopback: LoopbackServers) -> Iterator[WeChatSetup]:
    # nothing from the caller's environment: no API, channel state in memory
    env = {"WECHAT_TOKEN": secrets.token_hex(8), "WECHAT_APP_ID": APP_ID,
           "WECHAT_ENCODING_AES_KEY": "", "WECHAT_APP_SECRET": "", "WECHAT_API_BASE": "",
           "WECHAT_TRANSFER_TO_CUSTOMER_SERVICE": "", "REDIS_URL": ""}
    yield from _wechat_stack(tmp_path_factory.mktemp("wechat-plain"), loopback, env)
