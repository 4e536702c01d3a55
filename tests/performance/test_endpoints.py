"""endpoints.yml names our classes by module path; Rasa falls back to an in-memory tracker store,
with only a warning, when such a path does not import. Check that it does."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
import yaml
from rasa.core.lock_store import LockStore
from rasa.core.nlg.generator import NaturalLanguageGenerator
from rasa.core.tracker_store import TrackerStore, create_tracker_store
from rasa.core.utils import AvailableEndpoints
from rasa.shared.core.domain import Domain
from rasa_sdk import FormValidationAction
from rasa_sdk.executor import ActionExecutor

import actions
from bot.cluster import Cluster
from bot.conversations import underlying_store
from bot.conversations.locks import RecoveringRedisLockStore
from bot.conversations.window import HistoryWindow
from bot.nlg import DomainResponseGenerator
from bot.stack import Stack

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def action_server_token(monkeypatch: pytest.MonkeyPatch) -> None:
    """endpoints.yml takes the action server's token from the environment, as the stack sets it."""
    monkeypatch.setenv("ACTION_SERVER_TOKEN", "test-token")


def test_endpoints_load_the_windowed_store_and_the_in_process_nlg(tmp_path: Path) -> None:
    endpoints_file = tmp_path / "endpoints.yml"
    endpoints = yaml.safe_load((REPO_ROOT / "endpoints.yml").read_text(encoding="utf-8"))
    endpoints["tracker_store"]["db"] = str(tmp_path / "tracker.db")
    endpoints_file.write_text(yaml.safe_dump(endpoints), encoding="utf-8")
    read = AvailableEndpoints.read_endpoints(str(endpoints_file))
    domain = Domain.load(str(REPO_ROOT / "domain"))

    store: TrackerStore = underlying_store(create_tracker_store(read.tracker_store, domain))
    assert isinstance(store, HistoryWindow)
    assert isinstance(NaturalLanguageGenerator.create(read.nlg, domain), DomainResponseGenerator)


def test_the_clusters_endpoints_share_conversations_and_locks(tmp_path: Path) -> None:
    cluster = Cluster.on_free_ports(tmp_path)
    cluster._write_endpoints()
    read = AvailableEndpoints.read_endpoints(str(cluster.endpoints_path))
    assert read.tracker_store.type == "bot.conversations.store.ConversationStore"
    assert read.tracker_store.kwargs["dialect"] == "postgresql"
    assert read.action.url == f"http://127.0.0.1:{cluster.private_port}/webhook"
    assert isinstance(LockStore.create(read.lock_store), RecoveringRedisLockStore)
    assert cluster.env["REDIS_URL"] == f"redis://127.0.0.1:{cluster.redis_port}/0"


def test_every_action_that_reads_the_domain_is_sent_it() -> None:
    """endpoints.yml sends the domain only to actions declared with ``send_domain: true``;
    rasa_sdk's form validators read the form's slots from it."""
    endpoints = yaml.safe_load((REPO_ROOT / "endpoints.yml").read_text(encoding="utf-8"))
    assert endpoints["action_endpoint"]["enable_selective_domain"] is True
    domain = Domain.load(str(REPO_ROOT / "domain"))
    executor = ActionExecutor()
    executor.register_package(actions.__name__)
    validators = {name for name, action in executor.actions.items()
                  if isinstance(getattr(action, "__self__", None), FormValidationAction)
                  or (inspect.isclass(action) and issubclass(action, FormValidationAction))}
    assert validators, "no form validation action found: did rasa_sdk change?"
    for name in validators:
        assert domain.does_custom_action_explicitly_need_domain(name), name


def test_make_run_with_two_workers_shares_locks_in_redis(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6399/0")
    stack = Stack(run_dir=tmp_path, rasa_workers=2)
    stack._write_endpoints()
    read = AvailableEndpoints.read_endpoints(str(stack.endpoints_path))
    assert isinstance(LockStore.create(read.lock_store), RecoveringRedisLockStore)
    assert read.lock_store.kwargs["port"] == 6399
    assert stack.env["SANIC_WORKERS"] == "2"
    assert stack.env["REDIS_URL"] == "redis://127.0.0.1:6399/0"
    single = Stack(run_dir=tmp_path / "one")
    assert "SANIC_WORKERS" not in single.env
