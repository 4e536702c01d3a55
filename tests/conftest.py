"""Shared fixtures: the real catalog, Rasa SDK trackers and dispatchers, the real domain."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.catalog import KNOWLEDGE_DIR, Catalog, default_catalog
from bot.local_servers import LocalServerError, free_port, postgres_server, redis_server
from bot.stack import Stack

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return default_catalog()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The real stack (booking service, action server, Rasa server), started once and shared by
    every test that only talks to it. A test that stops or reconfigures a server starts its own."""
    tmp = tmp_path_factory.mktemp("stack")
    # Every test talks to it from 127.0.0.1, far faster than people: the per-address limit would
    # count the whole test run as one flooding client (per-sender limits stay as they are).
    with Stack(rasa_port=free_port(), action_port=free_port(), booking_port=free_port(),
               booking_database=f"sqlite:///{tmp}/booking.db", run_dir=tmp,
               environment={"RATE_LIMIT_PER_ADDRESS": "1000000"}) as running:
        yield running


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throw-away PostgreSQL cluster (Debian's postgresql package) on a free port."""
    try:
        with postgres_server() as url:
            yield url
    except LocalServerError as error:
        pytest.fail(str(error))


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A throw-away Redis server (Debian's redis-server package) on a free port."""
    try:
        with redis_server() as url:
            yield url
    except LocalServerError as error:
        pytest.fail(str(error))


@pytest.fixture
def knowledge_copy(tmp_path: Path) -> Path:
    """A writable copy of bot/knowledge/ for tests that break or change it."""
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, target)
    return target


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    from rasa.shared.core.domain import Domain

    return Domain.load(str(REPO_ROOT / "domain")).as_dict()


def user_event(text: str, intent: str, entities: list[dict[str, Any]] | None = None,
               metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"event": "user", "text": text, "metadata": metadata or {},
            "parse_data": {"intent": {"name": intent, "confidence": 1.0},
                           "entities": entities or []}}


@pytest.fixture
def make_tracker() -> Callable[..., Tracker]:
    """A real rasa_sdk Tracker whose latest message is ``text`` with ``intent``.

    ``history`` holds earlier (text, intent) user messages, oldest first; ``form`` is the active
    form, if any, as Rasa sends it.
    """

    def make(text: str, intent: str, entities: list[dict[str, Any]] | None = None,
             slots: dict[str, Any] | None = None,
             history: list[tuple[str, str]] | None = None,
             metadata: dict[str, Any] | None = None, form: str | None = None) -> Tracker:
        events: list[dict[str, Any]] = [{"event": "action", "name": "action_listen"}]
        for old_text, old_intent in history or []:
            events += [user_event(old_text, old_intent),
                       {"event": "action", "name": "action_listen"}]
        latest = user_event(text, intent, entities, metadata)
        events.append(latest)
        return Tracker(sender_id="test-user", slots=slots or {},
                       latest_message={"text": text, **latest["parse_data"],
                                       "metadata": latest["metadata"]},
                       events=events, paused=False, followup_action=None,
                       active_loop={"name": form, "is_interrupted": False, "rejected": False,
                                    "trigger_message": {}} if form else {},
                       latest_action_name="action_listen")

    return make
