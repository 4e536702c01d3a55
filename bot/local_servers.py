"""Throw-away PostgreSQL and Redis servers from Debian's packages, on free loopback ports.

The tests use them, and so does the one-machine cluster: nothing needs a system service to be
set up by hand. ``scripts/system-packages`` installs the packages when they are missing.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class LocalServerError(RuntimeError):
    """A server could not be started; the message says what to install or where the log is."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_postgres_account(data: Path) -> list[str]:
    """PostgreSQL refuses to run as root: hand it the data folder and run it as 'postgres'."""
    if os.geteuid() != 0:
        return []
    account = pwd.getpwnam("postgres")
    shutil.chown(data, account.pw_uid, account.pw_gid)
    return ["runuser", "-u", "postgres", "--"]


@contextmanager
def postgres_server(port: int | None = None, data_dir: Path | None = None) -> Iterator[str]:
    """A PostgreSQL cluster; yields the URL of its ``postgres`` database.

    Without ``data_dir`` the cluster lives in a temporary folder and is deleted afterwards; with
    one it is created there once and kept (its data survives a restart).
    """
    binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not binaries:
        raise LocalServerError("PostgreSQL is not installed: run scripts/system-packages postgresql")
    bindir = Path(binaries[-1]).parent
    temporary = data_dir is None
    # not under a private tmp dir: the postgres account must be able to reach it
    data = Path(tempfile.mkdtemp(prefix="jm-postgres-")) if temporary else Path(data_dir)
    data.mkdir(parents=True, exist_ok=True)
    as_postgres = _as_postgres_account(data)
    port = port or free_port()
    if not (data / "PG_VERSION").exists():
        subprocess.run([*as_postgres, str(bindir / "initdb"), "-D", str(data), "-A", "trust",
                        "-U", "postgres", "--no-sync"], check=True, capture_output=True)
    started = subprocess.run(
        [*as_postgres, str(bindir / "pg_ctl"), "-D", str(data), "-w", "-l",
         str(data / "server.log"), "-o",
         f"-p {port} -k {data} -c listen_addresses=127.0.0.1"
         + (" -c fsync=off" if temporary else ""), "start"],
        check=False, capture_output=True)
    if started.returncode != 0:
        raise LocalServerError(f"PostgreSQL did not start; see {data / 'server.log'}")
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*as_postgres, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast",
                        "stop"], check=False, capture_output=True)
        if temporary:
            shutil.rmtree(data, ignore_errors=True)


@contextmanager
def redis_server(port: int | None = None, data_dir: Path | None = None) -> Iterator[str]:
    """A Redis server; yields its URL.

    Without ``data_dir`` it keeps nothing on disk; with one it appends every write to a file
    there (fsync each second), so its data survives a restart.
    """
    binary = shutil.which("redis-server")
    if not binary:
        raise LocalServerError("Redis is not installed: run scripts/system-packages redis-server")
    port = port or free_port()
    persistence = ["--appendonly", "no"]
    if data_dir is not None:
        Path(data_dir).mkdir(parents=True, exist_ok=True)
        persistence = ["--appendonly", "yes", "--appendfsync", "everysec", "--dir", str(data_dir)]
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1",
                                "--save", "", *persistence, "--protected-mode", "yes"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for_port(port, process, "Redis")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_for_port(port: int, process: subprocess.Popen[bytes], name: str,
                   timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise LocalServerError(f"{name} exited with status {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise LocalServerError(f"{name} did not open port {port} in time")
