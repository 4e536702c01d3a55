"""The centre's database on a temporary SQLite file, and bookings made the booking store's way."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from argon2 import PasswordHasher
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from sqlalchemy.engine import Engine

from bot.booking.schedule import BEIJING
from bot.booking.store import Limits, NewBooking
from bot.staff import accounts
from bot.staff.app import create_app
from bot.staff.bookings import DeskBookings
from bot.staff.database import open_engine
from bot.state import MemoryState
from tests.booking.conftest import serve_in_thread
from tests.staff.desk_client import PASSWORD, DeskClient

# A Tuesday morning, as in the booking service's tests.
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=BEIJING)
Book = Callable[..., str]
SECRET = "a test secret of at least thirty-two bytes"


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 with its smallest costs: the desk's tests sign in often; the code is the same."""
    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=8,
                                                            parallelism=1))


@pytest.fixture
def database(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'centre.db'}"
    open_engine(url)
    return url


@pytest.fixture
def engine(database: str) -> Engine:
    return open_engine(database)


@pytest.fixture
def desk(database: str) -> DeskBookings:
    return DeskBookings(database)


@pytest.fixture
def book(desk: DeskBookings) -> Book:
    """Books a slot (ISO text) as the booking service does; returns the reference."""

    people = itertools.count()

    def make(slot: str = "2026-12-01T14:30+08:00", language: str = "zh-Hant",
             phone: str | None = None) -> str:
        # a different person each time: one person may hold only 3 upcoming bookings
        person = next(people)
        request = NewBooking(service_id="property_registration",
                             slot_start=datetime.fromisoformat(slot), language=language,
                             applicant_name="陳大文", phone=phone or f"+8529123{4567 + person}",
                             id_type="hkid", id_number=f"A{123456 + person}3")
        row, _ = desk.create(request, uuid.uuid4().hex, Limits(2, 3), NOW)
        return row["reference"]

    return make


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


class FakeWeChatApi:
    """What the WeChat track's bot.channels.wechat.api offers (contract 8), recording calls."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.templates: list[tuple[str, str, dict[str, Any]]] = []

    async def send_text(self, openid: str, text: str) -> None:
        self.sent.append((openid, text))

    async def send_subscription_message(self, openid: str, template_id: str,
                                        data: dict[str, Any]) -> None:
        self.templates.append((openid, template_id, data))


@pytest.fixture
def wechat_api() -> FakeWeChatApi:
    return FakeWeChatApi()


@pytest.fixture
def tracker_store() -> InMemoryTrackerStore:
    return InMemoryTrackerStore(Domain.empty())


@pytest.fixture
def desk_url(database: str, engine: Engine, clock: FakeClock, wechat_api: FakeWeChatApi,
             tracker_store: InMemoryTrackerStore) -> Iterator[str]:
    """The desk on a free port, with a clerk (clerk1) and an admin (admin1)."""
    for name, role in (("clerk1", "clerk"), ("admin1", "admin")):
        accounts.add_user(engine, name, role, PASSWORD, NOW)
    app = create_app(database, tracker_store=tracker_store, secret=SECRET, clock=clock,
                     wechat_api=wechat_api, reminders=False, state=MemoryState())
    yield from serve_in_thread(SimpleNamespace(app=lambda: app))  # type: ignore[arg-type]


@pytest.fixture
def clerk(desk_url: str) -> DeskClient:
    client = DeskClient(desk_url)
    assert client.log_in("clerk1").status_code == 303
    return client


@pytest.fixture
def admin(desk_url: str) -> DeskClient:
    client = DeskClient(desk_url)
    assert client.log_in("admin1").status_code == 303
    return client
