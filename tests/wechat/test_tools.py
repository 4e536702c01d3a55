"""The operator's side: the menu pushed to (fake) WeChat, the channel off without a token, the
ready message of `make run`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sanic import Sanic

from bot.channels.wechat.__main__ import main
from bot.channels.wechat.channel import WeChatInput
from bot.channels.wechat.menu import load_menu
from bot.stack import Stack, ready_message
from tests.wechat.fakes import FakeWeChat, LoopbackServers


@pytest.fixture
def fake_account(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeWeChat]:
    servers, fake = LoopbackServers(), FakeWeChat()
    for name, value in {"WECHAT_TOKEN": "token", "WECHAT_APP_ID": fake.app_id,
                        "WECHAT_APP_SECRET": fake.secret,
                        "WECHAT_API_BASE": servers.serve(fake.app())}.items():
        monkeypatch.setenv(name, value)
    yield fake
    servers.close()


def test_menu_push(fake_account: FakeWeChat, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["menu", "check"]) == 0
    assert main(["menu", "push"]) == 0
    assert fake_account.menus == [load_menu()]  # sent as raw UTF-8, which WeChat requires
    assert "Menu pushed" in capsys.readouterr().out


def test_menu_push_with_a_wrong_secret_says_why(fake_account: FakeWeChat,
                                                monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("WECHAT_APP_SECRET", "wrong")
    assert main(["menu", "push"]) == 1
    assert "40125" in capsys.readouterr().err and not fake_account.menus


def test_tools_need_the_settings(monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("WECHAT_TOKEN", raising=False)
    assert main(["simulate", "你好"]) == 1
    assert "WECHAT_TOKEN" in capsys.readouterr().err


def test_the_channel_is_off_without_a_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WECHAT_TOKEN", raising=False)
    app = Sanic("wechat_off_test")
    channel = WeChatInput.from_credentials(None)

    async def handler(message: object) -> None: ...

    app.blueprint(channel.blueprint(handler), url_prefix="/webhooks/wechat")
    assert not [route for route in app.router.routes if "wechat" in route.path]
    assert "WeChat" not in ready_message(Stack())


def test_make_run_says_where_wechat_is(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WECHAT_TOKEN", "token")
    lines = ready_message(Stack(rasa_port=5005)).splitlines()
    assert "  WeChat         http://127.0.0.1:5005/webhooks/wechat/webhook" in lines
