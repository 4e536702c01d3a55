"""A real booking service on a free loopback port, with a fixed clock, and a spec-checking client."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import jsonschema
import pytest
import requests
import yaml
from aiohttp import web
from sqlalchemy import create_engine, text

from bot.booking.schedule import BEIJING, Schedule, default_schedule
from bot.booking.service import BookingApi
from bot.booking.store import BookingStore
from bot.catalog import default_catalog
from bot.local_servers import free_port

SPEC = yaml.safe_load((Path(__file__).resolve().parents[2] / "bot" / "booking" / "openapi.yml")
                      .read_text(encoding="utf-8"))
TOKEN = "test-token-0123456789"
# A Tuesday morning: the next bookable slot is 14:30 (at least 2 hours ahead, after lunch).
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=BEIJING)


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class RunningService:
    url: str
    clock: FakeClock
    database: str

    def call(self, method: str, path: str, *, template: str | None = None, token: str = TOKEN,
             **kwargs: Any) -> requests.Response:
        """An HTTP call whose status and body must be as openapi.yml documents them."""
        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        answer = requests.request(method, f"{self.url}{path}", headers=headers, timeout=30,
                                  **kwargs)
        check_against_spec(template or path, method.lower(), answer)
        return answer


def check_against_spec(template: str, method: str, answer: requests.Response) -> None:
    operation = SPEC["paths"][template][method]
    documented = operation["responses"].get(str(answer.status_code))
    assert documented, f"{method} {template}: status {answer.status_code} is not documented"
    if "$ref" in documented:
        documented = _resolve(documented["$ref"])
    schema = documented["content"]["application/json"]["schema"]
    jsonschema.validate(answer.json(), {**SPEC, **schema},
                        format_checker=jsonschema.FormatChecker())


def _resolve(ref: str) -> dict[str, Any]:
    node: Any = SPEC
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


class ServesApp(Protocol):
    def app(self) -> web.Application: ...


def serve_in_thread(api: ServesApp) -> Iterator[str]:
    """Runs an aiohttp app (the booking API, or a stub) on its own event loop in a thread;
    yields its URL."""
    port = free_port()
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(api.app())
    started = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(runner.setup())
        loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", port).start())
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    started.wait(10)
    yield f"http://127.0.0.1:{port}"

    async def stop() -> None:
        await runner.cleanup()
        pending = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in pending:  # e.g. a stub still sleeping on a slow answer
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    asyncio.run_coroutine_threadsafe(stop(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


def start_service(tmp_path: Path, schedule: Schedule, database: str | None = None
                  ) -> Iterator[RunningService]:
    database = database or f"sqlite:///{tmp_path / 'booking.db'}"
    clock = FakeClock(NOW)
    api = BookingApi(BookingStore(database), schedule, default_catalog(), TOKEN, clock=clock)
    for url in serve_in_thread(api):
        yield RunningService(url, clock, database)


@pytest.fixture
def service(tmp_path: Path) -> Iterator[RunningService]:
    yield from start_service(tmp_path, default_schedule())


def _database(request: pytest.FixtureRequest) -> str | None:
    """None (SQLite in tmp_path) or a fresh database on the throw-away PostgreSQL server."""
    if request.param == "postgresql":
        return fresh_database(request.getfixturevalue("postgres_url"))
    return None


@pytest.fixture(params=["sqlite", "postgresql"])
def one_place_service(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RunningService]:
    """A service whose slots have one place, on SQLite and on a real PostgreSQL server."""
    yield from start_service(tmp_path, replace(default_schedule(), capacity_per_slot=1),
                             _database(request))


@pytest.fixture(params=["sqlite", "postgresql"])
def service_on_both(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RunningService]:
    """The service with the real timetable, on SQLite and on a real PostgreSQL server."""
    yield from start_service(tmp_path, default_schedule(), _database(request))


def fresh_database(server_url: str) -> str:
    """A new empty database on the test server, so tests do not see each other's bookings."""
    name = f"booking_{uuid.uuid4().hex[:12]}"
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    engine.dispose()
    return server_url.rsplit("/", 1)[0] + f"/{name}"


def booking_request(**changes: str) -> dict[str, str]:
    return {"service": "property_registration", "slot": "2026-12-01T14:30+08:00",
            "applicant_name": "陳大文", "phone": "+852 9123 4567", "id_type": "hkid",
            "id_number": "A123456(3)", "language": "zh-Hant", **changes}
