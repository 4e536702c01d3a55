"""The widget's server side without a running stack: origins, the history transcript, the kept
session secret, the interface strings and the size budget of the widget's own files."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from bot.channels import sessions
from bot.channels.origins import origin_allowed
from bot.channels.widget import ASSETS_DIR, transcript, widget_settings
from bot.language import LANGUAGES

WIDGET_BUDGET_BYTES = 60 * 1024


def test_only_the_own_origin_and_the_listed_ones_may_connect(monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    environ = {"HTTP_HOST": "127.0.0.1:5005", "wsgi.url_scheme": "http"}
    monkeypatch.delenv("ALLOWED_ORIGINS", raising=False)
    assert origin_allowed("http://127.0.0.1:5005", environ)
    assert origin_allowed(None, environ)  # not a browser page
    assert not origin_allowed("https://evil.example", environ)
    monkeypatch.setenv("ALLOWED_ORIGINS", " https://www.jiangmen.gov.cn/ ,https://a.example")
    assert origin_allowed("https://WWW.jiangmen.gov.cn", environ)
    assert not origin_allowed("https://www.jiangmen.gov.cn.evil.example", environ)
    behind_proxy = {**environ, "HTTP_X_FORWARDED_HOST": "chat.example.org",
                    "wsgi.url_scheme": "https"}
    assert origin_allowed("https://chat.example.org", behind_proxy)


def test_the_transcript_shows_button_titles_and_counts_what_it_leaves_out() -> None:
    events = [
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "/greet"},
        {"event": "bot", "text": "你好", "data": {"buttons": [
            {"title": "查找服務點", "payload": "/find_service_point"}]}},
        {"event": "user", "text": "/find_service_point"},
        {"event": "user", "text": "EXTERNAL: reminder"},
        {"event": "bot", "text": "<img src=x onerror=alert(1)>", "data": {}},
    ]
    assert transcript(events) == {"skipped": 0, "messages": [
        {"from": "user", "text": "/greet"},
        {"from": "bot", "text": "你好", "buttons": [
            {"title": "查找服務點", "payload": "/find_service_point"}]},
        {"from": "user", "text": "查找服務點"},
        {"from": "bot", "text": "<img src=x onerror=alert(1)>", "buttons": []}]}
    assert transcript(events, limit=1)["skipped"] == 3


def test_the_session_secret_survives_a_restart(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(sessions.SECRET_ENV, raising=False)
    kept = tmp_path / "run" / "widget-secret"
    first = sessions.kept_secret(kept)
    assert first == sessions.kept_secret(kept) and len(first) >= 32
    assert kept.stat().st_mode & 0o077 == 0
    monkeypatch.setenv(sessions.SECRET_ENV, "from-the-operator")
    assert sessions.kept_secret(kept) == "from-the-operator"


def test_interface_strings_exist_in_every_language() -> None:
    strings = widget_settings()["strings"]
    assert set(strings) == set(LANGUAGES)
    assert strings["zh-Hant"]["launcher"] == "在線諮詢"
    assert strings["zh-Hans"]["launcher"] == "在线咨询"
    assert len({frozenset(s) for s in strings.values()}) == 1


def test_the_widgets_own_files_stay_under_60_kb_gzipped() -> None:
    files = [path for path in ASSETS_DIR.iterdir() if path.suffix in (".js", ".css")]
    size = sum(len(gzip.compress(path.read_bytes(), 9)) for path in files)
    assert size < WIDGET_BUDGET_BYTES, f"{size} bytes gzipped"
