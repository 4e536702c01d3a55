"""Starts the whole assistant on this machine: the booking service, the action server, the Rasa
server and the staff desk (on loopback: never the public port).

    python -m bot.stack [--rasa-port 5005] [--action-port 5055] [--booking-port 5056]
                        [--staff-port 5057] [--workers N] [--model models/current.tar.gz]

The booking service is the embedded default (SQLite under var/). With BOOKING_API_URL set, the
actions use that booking system instead and none is started here.

`make run` calls this. It waits until every server answers, prints where to open it, and stops
everything on Ctrl-C or when any server dies. Tests and benchmarks use ``Stack`` directly, on free
ports. Logs go to var/log/.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from sqlalchemy.engine import make_url

from bot.access import ACTION_TOKEN_ENV, API_TOKEN_ENV
from bot.booking.__main__ import database_url
from bot.channels import sessions
from bot.channels.origins import ENV as ORIGINS_ENV
from bot.channels.origins import demo_origins
from bot.local_servers import LocalServerError, free_port, redis_server

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL = REPO_ROOT / "models" / "current.tar.gz"
START_TIMEOUT = 240.0
# No telemetry, no downloads: the assistant must run on a closed network.
QUIET_ENV = {
    "RASA_TELEMETRY_ENABLED": "false",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
}


class StackError(RuntimeError):
    """A server did not start, or died; the message says which and where its log is."""


@dataclass
class Server:
    name: str
    command: list[str]
    health_url: str
    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self, env: dict[str, str]) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(self.command, cwd=REPO_ROOT, env=env, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)

    def wait_until_ready(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            self.check_alive()
            try:
                with urllib.request.urlopen(self.health_url, timeout=2) as answer:
                    if answer.status == 200 and self._listens():
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.5)
        raise StackError(f"{self.name} did not answer {self.health_url} in time; "
                         f"see {self.log_path}")

    def _listens(self) -> bool:
        """Whether the answer came from this server and not from another program that took its
        port while it was loading (ports are picked free, then bound a minute later)."""
        port = urllib.parse.urlsplit(self.health_url).port
        return self.process is None or port is None or _process_listens_on(self.process.pid, port)

    def check_alive(self) -> None:
        if self.process and self.process.poll() is not None:
            raise StackError(f"{self.name} exited with status {self.process.returncode}; "
                             f"see {self.log_path}")

    def stop(self) -> None:
        if not self.process or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def _process_listens_on(pid: int, port: int) -> bool:
    """True when process ``pid`` holds a socket listening on ``port`` (Linux /proc); True
    where /proc cannot tell."""
    listening = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text(encoding="ascii").splitlines()[1:]
        except OSError:
            return True
        for row in rows:
            fields = row.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # LISTEN
                listening.add(f"socket:[{fields[9]}]")
    try:
        return any(os.readlink(fd) in listening for fd in Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return True


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
    booking_token: str = field(
        default_factory=lambda: os.environ.get("BOOKING_API_TOKEN") or secrets.token_urlsafe(24))
    # what the Rasa server must send to the action server (endpoints.yml `token`)
    action_token: str = field(
        default_factory=lambda: os.environ.get(ACTION_TOKEN_ENV) or secrets.token_urlsafe(24))
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
        """ALLOWED_ORIGINS for every server: the environment's, else the demo page's origin."""
        port = urllib.parse.urlsplit(self.public_url).port or 80
        return os.environ.get(ORIGINS_ENV) or ",".join(demo_origins(port))

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
        """endpoints.yml with this stack's ports and tracker database."""
        endpoints = yaml.safe_load((REPO_ROOT / "endpoints.yml").read_text(encoding="utf-8"))
        endpoints["action_endpoint"]["url"] = f"{self.action_url}/webhook"
        tracker_store = endpoints.setdefault("tracker_store", {})
        if self.tracker_database:
            tracker_store.update(_sql_store_settings(self.tracker_database))
        elif tracker_store.get("dialect") == "sqlite":
            tracker_store["db"] = str(self.run_dir / f"tracker-{self.rasa_port}.db")
        if self.rasa_workers > 1:
            endpoints["lock_store"] = lock_store_endpoint(self.redis_url or "")
        self.endpoints_path.parent.mkdir(parents=True, exist_ok=True)
        self.endpoints_path.write_text(yaml.safe_dump(endpoints, sort_keys=False),
                                       encoding="utf-8")


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.stack", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rasa-port", type=int, default=5005)
    parser.add_argument("--action-port", type=int, default=5055)
    parser.add_argument("--booking-port", type=int, default=5056)
    parser.add_argument("--staff-port", type=int, default=5057)
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--run-dir", type=Path, default=REPO_ROOT / "var",
                        help="where conversations, logs and run files go (default: var/)")
    parser.add_argument("--workers", type=int, default=1,
                        help="Rasa processes sharing the port (`make run`: 2, both cores); more "
                             "than one needs Redis, started here unless REDIS_URL is set")
    parser.add_argument("--shell", action="store_true",
                        help="chat in this terminal (rasa shell) instead of serving channels")
    args = parser.parse_args(argv)
    if args.shell:
        return _shell(args)
    return run_until_stopped(
        Stack(args.rasa_port, args.action_port, args.booking_port, args.model,
              run_dir=args.run_dir, staff_port=args.staff_port, rasa_workers=args.workers),
        "Starting the booking service, the action server, the staff desk and the Rasa server "
        "(about a minute)...")


def run_until_stopped(stack: Stack, starting: str) -> int:
    """Starts ``stack``, prints where to open it, and runs until Ctrl-C or SIGTERM."""
    stopping = False

    def request_stop(*_: Any) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    print(starting, flush=True)
    try:
        with stack:
            print(_ready_message(stack) + stack.summary(), flush=True)
            while not stopping:
                stack.watch()
                time.sleep(1)
            print("Stopping...", flush=True)
    except StackError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


def _shell(args: argparse.Namespace) -> int:
    """The helper servers in the background, `rasa shell` in the foreground."""
    try:
        with Stack(args.rasa_port, args.action_port, args.booking_port, args.model,
                   run_dir=args.run_dir, with_rasa_server=False,
                   staff_port=args.staff_port) as stack:
            # rasa shell is a Rasa server of its own: on loopback only, like bot.server here
            return subprocess.run([sys.executable, "-m", "rasa", "shell", "--model",
                                   str(args.model), "--endpoints", str(stack.endpoints_path),
                                   "--interface", "127.0.0.1", "--port", str(args.rasa_port)],
                                  env=stack.env, cwd=REPO_ROOT, check=False).returncode
    except StackError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


def _sql_store_settings(url: str) -> dict[str, Any]:
    """The tracker_store fields of endpoints.yml for a SQLAlchemy URL."""
    parsed = make_url(url)
    return {"dialect": parsed.get_backend_name(), "url": parsed.host, "port": parsed.port,
            "db": parsed.database, "username": parsed.username, "password": parsed.password}


def _ready_message(stack: Stack) -> str:
    api = (f"on, every route needs ?token=$RASA_API_TOKEN: {stack.rasa_url}/status"
           if stack.api_token else "off (set RASA_API_TOKEN to turn it on)")
    wechat = ([f"  WeChat         {stack.public_url}/webhooks/wechat/webhook",
               "                 try it: python -m bot.channels.wechat simulate 你好"]
              if stack.env.get("WECHAT_TOKEN") else [])
    return "\n".join([
        "",
        "跨境通办助手 is running. Open it at:",
        f"  REST webhook   POST {stack.public_url}/webhooks/rest/webhook  (trusted integrations)",
        '                 body: {"sender": "me", "message": "我喺香港，可唔可以辦江門嘅物業登記？"}',
        f"  Web widget     {stack.public_url}/widget/demo  (Socket.IO at /socket.io)",
        *wechat,
        f"  Health         GET {stack.public_url}/health",
        f"Public: only {stack.public_url} (the channels above, the widget, /health); "
        "it listens on loopback here: publish it through HTTPS.",
        f"  Browsers may call it from: {stack.env[ORIGINS_ENV]} (ALLOWED_ORIGINS)",
        "Not public (loopback here; a private network at most):",
        f"  Rasa HTTP API  {api}",
        f"  Actions        {stack.action_url}/webhook  (needs ?token=$ACTION_SERVER_TOKEN)",
        f"  Booking API    {stack.booking_url}/v1  bearer token: {stack.booking_token}",
        "                 (made for this run; set BOOKING_API_TOKEN to choose it)",
        f"  Staff desk     {stack.staff_url}/  (centre staff only; first account:",
        "                 python -m bot.staff add-user NAME --role admin)",
        "  Chat in the terminal: make shell     Logs: var/log/     Stop: Ctrl-C",
        "",
    ])


if __name__ == "__main__":
    sys.exit(main())
