"""The report of what residents asked, from a seeded tracker database with known counts."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bot.booking.schedule import beijing_now
from bot.catalog import default_catalog
from bot.insights.collect import last_days
from bot.insights.render import html_page, unanswered_csv
from bot.paths import REPO_ROOT
from bot.staff import callbacks, ratings
from bot.staff.bookings import DeskBookings
from bot.staff.wording import Wording
from tests.staff.conftest import NOW
from tests.staff.seeding import EXPECTED, REFERENCE, seed_trackers


def seed_centre(engine: Engine, desk: DeskBookings, now: datetime) -> None:
    for score, context, service, channel, when in (
            (5, "booking", "property_registration", "rest", now),
            (2, "goodbye", None, "wechat", now),
            (4, "handoff", None, "rest", now),
            (1, "goodbye", None, "rest", now - timedelta(days=20))):  # before the window
        ratings.record(engine, score, context, service, channel, "zh-Hant", when)
    first, _ = callbacks.create(engine, callbacks.NewCallback(
        "+85291234567", "zh-Hant", "rest", "handoff", []), now - timedelta(minutes=30))
    callbacks.create(engine, callbacks.NewCallback("+85366123456", "en", "wechat", "rating", []),
                     now - timedelta(minutes=5))
    callbacks.claim(engine, first, "clerk1", now - timedelta(minutes=18))
    with desk.engine.begin() as connection:
        desk._event(connection, REFERENCE, "attended", "clerk1", now)


def test_the_counts_match_the_seeded_conversations(tmp_path: Path, engine: Engine,
                                                   desk: DeskBookings) -> None:
    store = seed_trackers(str(tmp_path / "tracker.db"), NOW)
    seed_centre(engine, desk, NOW)
    report = last_days(store, engine, default_catalog(), 7, NOW)
    assert report.messages == EXPECTED["messages"]
    assert report.conversations == EXPECTED["conversations"]
    assert dict(report.by_script) == EXPECTED["by_script"]
    assert dict(report.by_channel) == EXPECTED["by_channel"]
    assert dict(report.intents) == EXPECTED["intents"]
    assert (report.fallback, report.out_of_scope) == (EXPECTED["fallback"], EXPECTED["out_of_scope"])
    assert report.funnel == EXPECTED["funnel"]
    yesterday, today = NOW.date() - timedelta(days=1), NOW.date()
    assert (report.messages_per_day[yesterday], report.messages_per_day[today]) == (4, 6)
    assert (report.conversations_per_day[yesterday], report.conversations_per_day[today]) == (1, 2)
    weather, *others = report.unanswered
    assert weather.count == 2 and set(weather.variants) == {"今天天气怎么样", "今天天氣怎麼樣？"}
    assert sorted(g.text for g in others) == ["what is the weather like", "我的电话是 +852 ****4567 请回电"]
    assert dict(report.unknown_services) == {"护照": 1}
    assert len(report.latencies) == 10
    assert report.latency_percentiles()["p50"] == pytest.approx(0.3, abs=1e-3)  # 0.1 … 1.0 s
    assert report.callbacks["count"] == 2 and report.callbacks["wait_minutes"]["p50"] == 12
    assert report.ratings["all"]["count"] == 3
    assert report.ratings["by_channel"]["rest"] == {"count": 2, "average": 4.5,
                                                   "counts": {5: 1, 4: 1, 3: 0, 2: 0, 1: 0}}
    assert report.ratings["by_service"]["property_registration"]["count"] == 1


def test_the_page_has_charts_and_no_personal_data(tmp_path: Path, engine: Engine,
                                                  desk: DeskBookings) -> None:
    store = seed_trackers(str(tmp_path / "tracker.db"), NOW)
    seed_centre(engine, desk, NOW)
    report = last_days(store, engine, default_catalog(), 7, NOW)
    page = html_page(report, default_catalog(), Wording("zh-Hant"))
    assert page.count('<img src="data:image/png;base64,') == 6
    assert '<td data-channel="wechat">3</td>' in page and "服務報告" in page
    assert "9123" not in page and "陳大文" not in page
    rows = list(csv.DictReader(io.StringIO(unanswered_csv(report))))
    assert rows[0]["text"] in {"今天天气怎么样", "今天天氣怎麼樣？"} and rows[0]["count"] == "2"
    assert set(rows[0]) >= {"text", "count", "predicted", "intent"}


def test_the_command_writes_the_page_and_the_csv(tmp_path: Path) -> None:
    now = beijing_now()
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {tmp_path / 't.db'}\n")
    seed_trackers(str(tmp_path / "t.db"), now)
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT),
           "BOOKING_DATABASE_URL": f"sqlite:///{tmp_path / 'centre.db'}"}
    done = subprocess.run([sys.executable, "-m", "bot.insights", "--days", "7", "--endpoints",
                           str(endpoints), "--html", str(tmp_path / "r.html"), "--csv",
                           str(tmp_path / "u.csv")], env=env, capture_output=True, text=True,
                          timeout=180, check=False)
    assert done.returncode == 0, done.stderr
    assert "10 messages in 3 conversations" in done.stdout
    assert (tmp_path / "r.html").read_text(encoding="utf-8").startswith("<!doctype html>")
    assert (tmp_path / "u.csv").read_text(encoding="utf-8").startswith("\ufefftext,count")
