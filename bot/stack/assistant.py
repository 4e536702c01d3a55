"""The running assistant on this machine: the booking service, the action server, the staff desk
and the Rasa server, each a process on loopback, with this run's settings and endpoints.yml.
Tests and benchmarks use ``Stack`` directly, on free ports; `make run` through ``python -m
bot.stack``; the one-machine cluster (bot/cluster) is a ``Stack`` with more servers."""

from __future__ import annotations

import os
import sys
import time
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.access import ACTION_TOKEN_ENV, API_TOKEN_ENV
from bot.booking.__main__ import database_url
from bot.channels import sessions
from bot.channels.origins import ENV as ORIGINS_ENV
from bot.local_servers import LocalServerError, free_port, redis_server
from bot.paths import REPO_ROOT
from bot.stack.endpoints import write_endpoints
from bot.stack.environment import QUIET_ENV, origins_for, secret_from
from bot.stack.server import START_TIMEOUT, Server, StackError

DEFAULT_MODEL = REPO_ROOT / "models" / "current.tar.gz"


@dataclass
class Stack(AbstractContextManager["Stack"]):
    """The running assistant. Use as a context manager; everything stops on exit."""

    rasa_port: int = 5005
    action_port: int = 5055
    booking_port: int = 5056
    model: Path = DEFAULT_MODEL
    run_dir: Path = REPO_ROOT / "var"
    servers: list[Server] = field(default_factory=list)
    with_rasa_server: bool = True  # False for `rasa shell`, which is its own Rasa server
    # None: BOOKING_DATABASE_URL, else var/booking.db (what `python -m bot.booking purge` cleans)
    booking_database: str | None = None
    # shared by the booking service and the action server; a fresh one per run unless given
    booking_token: str = field(default_factory=secret_from("BOOKING_API_TOKEN"))
    # what the Rasa server must send to the action server (endpoints.yml `token`)
    action_token: str = field(default_factory=secret_from(ACTION_TOKEN_ENV))
    # None: SQLite under run_dir; else a SQLAlchemy URL (postgresql://user@host:port/db)
    tracker_database: str | None = field(
        default_factory=lambda: os.environ.get("TRACKER_DATABASE_URL") or None)
    # settings for every server of this stack on top of this process's environment
    # (tests: RASA_API_TOKEN, rate limits)
    environment: dict[str, str] = field(default_factory=dict)
    # the staff desk (bot/staff): a free port unless given (`make run` gives 5057)
    staff_port: int = field(default_factory=free_port)
    # More than one: that many Sanic workers share the Rasa port (both cores), with conversation
    # locks and channel state in Redis: REDIS_URL, or a Redis started here, data in run_dir/redis.
    rasa_workers: int = 1
    redis_port: int = 0  # the Redis started here; 0: a free port
    # PostgreSQL, Redis...: context managers entered at start, each stoppable on its own
    _services: dict[str, ExitStack] = field(default_factory=dict, repr=False)

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def public_url(self) -> str:
        """Where users' clients reach the channels: the Rasa server itself here."""
        return self.rasa_url

    @property
    def action_url(self) -> str:
        return f"http://127.0.0.1:{self.action_port}"

    @property
    def booking_url(self) -> str:
        return os.environ.get("BOOKING_API_URL") or f"http://127.0.0.1:{self.booking_port}"

    @property
    def staff_url(self) -> str:
        return f"http://127.0.0.1:{self.staff_port}"

    @property
    def redis_url(self) -> str | None:
        """The Redis every process shares, if any."""
        if "redis" in self._services:
            return f"redis://127.0.0.1:{self.redis_port}/0"
        return os.environ.get("REDIS_URL")

    @property
    def redis_data_dir(self) -> Path:
        return self.run_dir / "redis"

    @property
    def shares_locks(self) -> bool:
        """Whether several Rasa processes serve the conversations: their locks are in Redis."""
        return self.rasa_workers > 1

    @property
    def env(self) -> dict[str, str]:
        """The environment every server of this stack runs with."""
        shared = {"REDIS_URL": self.redis_url} if self.redis_url else {}
        workers = {"SANIC_WORKERS": str(self.rasa_workers)} if self.rasa_workers > 1 else {}
        return {**os.environ, **QUIET_ENV, "PYTHONPATH": str(REPO_ROOT),
                "BOOKING_API_URL": self.booking_url, "BOOKING_API_TOKEN": self.booking_token,
                "BOOKING_DATABASE_URL": self.booking_database or database_url(),
                ACTION_TOKEN_ENV: self.action_token,
                ORIGINS_ENV: self.allowed_origins,
                sessions.SECRET_ENV: sessions.kept_secret(self.run_dir / "run" / "widget-secret"),
                **shared, **workers, **self.environment}

    @property
    def allowed_origins(self) -> str:
        return origins_for(self.public_url)

    @property
    def api_token(self) -> str | None:
        """The Rasa HTTP API's token; None when the API is off."""
        return self.env.get(API_TOKEN_ENV) or None

    @property
    def endpoints_path(self) -> Path:
        return self.run_dir / "run" / f"endpoints-{self.rasa_port}.yml"

    def __enter__(self) -> Stack:
        if not self.model.exists():
            raise StackError(f"no trained model at {self.model}: run `make train` first")
        try:
            self._prepare()
            self._write_endpoints()
            self.servers = self._servers()
            deadline = time.monotonic() + START_TIMEOUT
            for group in self._start_order():
                for server in group:
                    server.start(self.env)
                for server in group:
                    server.wait_until_ready(deadline)
        except BaseException:
            self.stop()
            raise
        return self

    def _prepare(self) -> None:
        """What must run before the servers: a Redis for several workers (the cluster: more)."""
        if self.rasa_workers > 1 and not os.environ.get("REDIS_URL"):
            self.start_redis()

    def start_redis(self) -> None:
        self.redis_port = self.redis_port or free_port()
        try:
            self._start_service("redis", redis_server(self.redis_port,
                                                      data_dir=self.redis_data_dir))
        except LocalServerError as error:
            raise StackError(f"{error} (or start one Rasa process: --workers 1)") from error

    def restart_redis(self, down_for: float = 0.0) -> None:
        self._stop_service("redis")
        time.sleep(down_for)
        self.start_redis()

    def _start_service(self, name: str, context: AbstractContextManager[Any]) -> None:
        services = ExitStack()
        services.enter_context(context)
        self._services[name] = services

    def _stop_service(self, name: str) -> None:
        services = self._services.pop(name, None)
        if services:
            services.close()

    def _start_order(self) -> list[list[Server]]:
        """Groups of servers started together, each group once the one before answers."""
        return [[server] for server in self.servers]

    def watch(self) -> None:
        """Called every second while running: stops everything when a server died."""
        self.check_alive()

    def summary(self) -> str:
        """Lines printed after the ready message."""
        if self.rasa_workers == 1:
            return ""
        return (f"  Both cores     {self.rasa_workers} Rasa processes share the port; conversation "
                f"locks and channel state in Redis {self.redis_url}\n")

    def _servers(self) -> list[Server]:
        servers = [] if os.environ.get("BOOKING_API_URL") else [self.booking_server()]
        servers.append(self.action_server(self.action_port))
        servers.append(self.staff_server())
        if self.with_rasa_server:
            servers.append(self.rasa_server(self.rasa_port))
        return servers

    def booking_server(self) -> Server:
        return Server("booking service", [sys.executable, "-m", "bot.booking", "serve",
                                          "--port", str(self.booking_port)],
                      f"{self.booking_url}/health",
                      self.run_dir / "log" / f"booking-{self.booking_port}.log")

    def staff_server(self) -> Server:
        return Server("staff desk", [sys.executable, "-m", "bot.staff", "serve",
                                     "--port", str(self.staff_port),
                                     "--endpoints", str(self.endpoints_path)],
                      f"{self.staff_url}/health",
                      self.run_dir / "log" / f"staff-{self.staff_port}.log")

    def action_server(self, port: int, name: str = "action server") -> Server:
        return Server(name, [sys.executable, "-m", "bot.action_server", "--port", str(port)],
                      f"http://127.0.0.1:{port}/health",
                      self.run_dir / "log" / f"actions-{port}.log")

    def rasa_server(self, port: int, name: str = "Rasa server") -> Server:
        return Server(name, [sys.executable, "-m", "bot.server", "--model", str(self.model),
                             "--endpoints", str(self.endpoints_path),
                             "--credentials", str(REPO_ROOT / "credentials.yml"),
                             "--interface", "127.0.0.1", "--port", str(port)],
                      f"http://127.0.0.1:{port}/health", self.run_dir / "log" / f"rasa-{port}.log")

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    def stop(self) -> None:
        for server in reversed(self.servers):
            server.stop()
        for name in reversed(list(self._services)):
            self._stop_service(name)

    def check_alive(self) -> None:
        for server in self.servers:
            server.check_alive()

    def server(self, name: str) -> Server:
        return next(server for server in self.servers if server.name == name)

    def _write_endpoints(self) -> None:
        """endpoints.yml with this stack's ports, tracker database and lock store."""
        write_endpoints(self.endpoints_path, action_url=self.action_url,
                        tracker_database=self.tracker_database,
                        sqlite_tracker=self.run_dir / f"tracker-{self.rasa_port}.db",
                        lock_redis_url=(self.redis_url or "") if self.shares_locks else None)
