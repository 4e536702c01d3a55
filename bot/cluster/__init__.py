"""The production topology in miniature, on one machine (`make run-cluster`):

    nginx (public port) ─┬─> Rasa replica 1 ─┬─> nginx (private port) ─┬─> action server 1
                         └─> Rasa replica 2 ─┘                         └─> action server 2
    Rasa replicas: tracker store in PostgreSQL (history window), Redis lock store;
    action servers ─> booking service ─> PostgreSQL;  every process: REDIS_URL (channel state)

PostgreSQL and Redis are Debian's packages, started here with their data under var/cluster/, so
stopping and starting the cluster loses no conversation, no booking and no channel state. nginx
proxies only the channels and the widget (deploy/nginx.conf.j2); the Rasa HTTP API, the action
servers and the booking service listen on loopback only.

``Cluster`` is a ``bot.stack.Stack`` with more servers: the same server pieces, environment and
ready message. It restarts a server that dies (``supervise``), and can restart PostgreSQL or Redis
under load (the fault tests do).
"""

from __future__ import annotations

import json
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg2
from psycopg2 import sql

from bot.cluster.nginx import NginxFront
from bot.local_servers import LocalServerError, free_port, postgres_server
from bot.paths import REPO_ROOT
from bot.stack import Server, Stack, StackError

DATA_DIR = REPO_ROOT / "var" / "cluster"
TRACKER_DATABASE = "rasa"
BOOKING_DATABASE = "booking"
# How long a replica's lock on a conversation outlives it when it dies mid-turn (Rasa's default is
# 60 s). Longer than the slowest turn (a booking call: 5 s, retried once), shorter than nginx's
# 30 s read timeout, so a message waiting for a dead replica's lock is answered, late.
TICKET_LOCK_LIFETIME = "20"
# generated once and kept under the data folder when the environment does not set them: every
# process, and the next start of the cluster, must agree on them (widget sessions stay valid)
KEPT_SECRETS = ("WIDGET_SESSION_SECRET",)


@dataclass
class Cluster(Stack):
    public_host: str = "127.0.0.1"
    public_port: int = 8080
    private_port: int = 8081
    rasa_ports: tuple[int, ...] = (5005, 5015)
    action_ports: tuple[int, ...] = (5055, 5065)
    postgres_port: int = 5433
    redis_port: int = 6380
    data_dir: Path = DATA_DIR

    def __post_init__(self) -> None:
        self.rasa_port = self.rasa_ports[0]
        self.action_port = self.action_ports[0]
        self.tracker_database = f"{self.postgres_url}/{TRACKER_DATABASE}"

    @classmethod
    def on_free_ports(cls, data_dir: Path, **kwargs: Any) -> Cluster:
        """A cluster on free loopback ports with its data and logs in ``data_dir`` (tests,
        benchmarks)."""
        return cls(booking_port=free_port(), public_port=free_port(), private_port=free_port(),
                   rasa_ports=(free_port(), free_port()), action_ports=(free_port(), free_port()),
                   postgres_port=free_port(), redis_port=free_port(), data_dir=data_dir,
                   run_dir=data_dir, **kwargs)

    # -- where things are ------------------------------------------------------------------------

    @property
    def public_url(self) -> str:
        host = "127.0.0.1" if self.public_host in ("0.0.0.0", "") else self.public_host
        return f"http://{host}:{self.public_port}"

    @property
    def action_url(self) -> str:
        """The action servers, behind nginx's private listener."""
        return f"http://127.0.0.1:{self.private_port}"

    @property
    def postgres_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.postgres_port}"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"

    @property
    def redis_data_dir(self) -> Path:
        return self.data_dir / "redis"

    @property
    def endpoints_path(self) -> Path:
        return self.run_dir / "run" / "endpoints-cluster.yml"

    @property
    def shares_locks(self) -> bool:
        return True  # two replicas

    @property
    def env(self) -> dict[str, str]:
        # nginx is one proxy in front: Sanic takes the client's address from X-Forwarded-For
        return {"TICKET_LOCK_LIFETIME": TICKET_LOCK_LIFETIME, "SANIC_PROXIES_COUNT": "1",
                **super().env,
                **self._kept_secrets(), "REDIS_URL": self.redis_url,
                "BOOKING_DATABASE_URL": f"{self.postgres_url}/{BOOKING_DATABASE}"}

    def postgres_pids(self) -> list[int]:
        """PostgreSQL's postmaster (its backends are its children)."""
        postmaster = self.data_dir / "postgres" / "postmaster.pid"
        return [int(postmaster.read_text().split()[0])] if postmaster.exists() else []

    def rasa_pids(self) -> list[int]:
        return [server.process.pid for server in self.servers
                if server.name.startswith("Rasa replica") and server.process]

    # -- start and stop --------------------------------------------------------------------------

    def _prepare(self) -> None:
        try:
            self.start_postgres()
            self.start_redis()
        except LocalServerError as error:
            raise StackError(str(error)) from error
        self._create_databases()

    def _start_order(self) -> list[list[Server]]:
        """Helpers first, then both replicas loading their models side by side, then nginx."""
        return [[s for s in self.servers if s.name.startswith(group)]
                for group in ("booking", "action", "staff", "Rasa", "nginx")]

    def watch(self) -> None:
        self.supervise()

    def summary(self) -> str:
        replicas = ", ".join(f"127.0.0.1:{port}" for port in self.rasa_ports)
        actions = ", ".join(f"127.0.0.1:{port}" for port in self.action_ports)
        return "\n".join([
            f"  Behind nginx   Rasa replicas {replicas}; action servers {actions}",
            f"  Stores         PostgreSQL {self.postgres_url} (conversations, bookings), "
            f"Redis {self.redis_url} (locks, channel state)",
            f"  Data           {self.data_dir} (kept between runs)",
            "",
        ])

    def _servers(self) -> list[Server]:
        front = NginxFront(self.public_host, self.public_port, self.private_port,
                           list(self.rasa_ports), list(self.action_ports),
                           self.run_dir / "run" / "nginx", self.run_dir / "log",
                           self.allowed_origins)
        front.write()
        return [self.booking_server(),
                *(self.action_server(port, f"action server {n}")
                  for n, port in enumerate(self.action_ports, 1)),
                self.staff_server(),
                *(self.rasa_server(port, f"Rasa replica {n}")
                  for n, port in enumerate(self.rasa_ports, 1)),
                front.server()]

    def supervise(self, report: Callable[[str], None] = print) -> None:
        """Starts again any server that died (a killed replica comes back by itself)."""
        for server in self.servers:
            if server.process and server.process.poll() is not None:
                report(f"{server.name} exited with status {server.process.returncode}; "
                       f"starting it again (log: {server.log_path})")
                server.start(self.env)

    # -- PostgreSQL and Redis, each restartable on its own ----------------------------------------

    def start_postgres(self) -> None:
        # PostgreSQL refuses to run as root, and its own account must reach its data
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            self.data_dir.chmod(0o755)
        self._start_service("postgres", postgres_server(self.postgres_port,
                                                        data_dir=self.data_dir / "postgres"))

    def stop_postgres(self) -> None:
        self._stop_service("postgres")

    def restart_postgres(self, down_for: float = 0.0) -> None:
        self.stop_postgres()
        time.sleep(down_for)
        self.start_postgres()

    def _create_databases(self) -> None:
        """The tracker and booking databases, once (two replicas creating one race)."""
        connection = psycopg2.connect(f"{self.postgres_url}/postgres")
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                for database in (TRACKER_DATABASE, BOOKING_DATABASE):
                    cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,))
                    if cursor.fetchone() is None:
                        cursor.execute(sql.SQL("CREATE DATABASE {}").format(
                            sql.Identifier(database)))
        finally:
            connection.close()

    def _kept_secrets(self) -> dict[str, str]:
        path = self.data_dir / "secrets.json"
        kept = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        missing = [name for name in KEPT_SECRETS if not os.environ.get(name) and name not in kept]
        if missing:
            kept.update({name: secrets.token_urlsafe(32) for name in missing})
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch(mode=0o600)
            path.write_text(json.dumps(kept), encoding="utf-8")
        return {name: value for name, value in kept.items() if not os.environ.get(name)}
