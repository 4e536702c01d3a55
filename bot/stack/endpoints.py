"""The endpoints.yml a stack runs with: the repository's file with this run's action server,
conversation database and, where several Rasa processes share conversations, their lock store."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from sqlalchemy.engine import make_url

from bot.paths import REPO_ROOT


def write_endpoints(path: Path, *, action_url: str, tracker_database: str | None,
                    sqlite_tracker: Path, lock_redis_url: str | None) -> None:
    """Writes ``path``: the action server at ``action_url``; conversations in
    ``tracker_database`` (a SQLAlchemy URL), else in ``sqlite_tracker`` where endpoints.yml keeps
    them in SQLite; a Redis lock store when ``lock_redis_url`` is given."""
    endpoints = yaml.safe_load((REPO_ROOT / "endpoints.yml").read_text(encoding="utf-8"))
    endpoints["action_endpoint"]["url"] = f"{action_url}/webhook"
    tracker_store = endpoints.setdefault("tracker_store", {})
    if tracker_database:
        tracker_store.update(sql_store_settings(tracker_database))
    elif tracker_store.get("dialect") == "sqlite":
        tracker_store["db"] = str(sqlite_tracker)
    if lock_redis_url is not None:
        endpoints["lock_store"] = lock_store_endpoint(lock_redis_url)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(endpoints, sort_keys=False), encoding="utf-8")


def sql_store_settings(url: str) -> dict[str, Any]:
    """The tracker_store fields of endpoints.yml for a SQLAlchemy URL."""
    parsed = make_url(url)
    return {"dialect": parsed.get_backend_name(), "url": parsed.host, "port": parsed.port,
            "db": parsed.database, "username": parsed.username, "password": parsed.password}


def lock_store_endpoint(redis_url: str) -> dict[str, Any]:
    """endpoints.yml's ``lock_store`` for the Redis at ``redis_url``: conversation locks shared
    by every Rasa process (bot/conversations/locks.py), in database 1 (the channel state uses the
    database REDIS_URL names)."""
    url = urlsplit(redis_url)
    entry: dict[str, Any] = {"type": "bot.conversations.locks.RecoveringRedisLockStore",
                             "url": url.hostname or "127.0.0.1", "port": url.port or 6379,
                             "db": 1, "key_prefix": "jiangmen"}
    if url.password:
        entry["password"] = url.password
    return entry
