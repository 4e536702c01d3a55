"""The stock bot the benchmarks compare against: `rasa init --no-prompt`, trained and served by the
Rasa of this project's venv, in the same run as ours.

The project is created once under var/bench/stock/; every run trains it again and serves it with
`rasa run`, exactly as a newcomer would.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from bench.common import RESULTS_DIR
from bot.local_servers import free_port
from bot.stack.environment import QUIET_ENV
from bot.stack.server import START_TIMEOUT, Server

STOCK_DIR = RESULTS_DIR / "stock"
MODEL = STOCK_DIR / "models" / "stock.tar.gz"
RASA = [sys.executable, "-m", "rasa"]


def _env() -> dict[str, str]:
    return {**os.environ, **QUIET_ENV}


def _rasa(*args: str) -> None:
    done = subprocess.run([*RASA, *args], cwd=STOCK_DIR, env=_env(), capture_output=True,
                          text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"rasa {args[0]} of the stock bot failed:\n{done.stdout[-3000:]}"
                           f"{done.stderr[-3000:]}")


def train(force: bool = False) -> float:
    """Creates the stock project when missing and trains it; returns the training seconds."""
    if not (STOCK_DIR / "config.yml").exists():
        STOCK_DIR.mkdir(parents=True, exist_ok=True)
        _rasa("init", "--no-prompt", "--init-dir", str(STOCK_DIR))
    start = time.perf_counter()
    _rasa("train", "--fixed-model-name", "stock", "--out", "models", "--num-threads", "2",
          *(["--force"] if force else []))
    return round(time.perf_counter() - start, 1)


@contextmanager
def serve() -> Iterator[tuple[str, Server]]:
    """`rasa run` of the stock bot on a free loopback port; yields its URL and server."""
    port = free_port()
    server = Server("stock Rasa", [*RASA, "run", "--model", str(MODEL),
                                   "--endpoints", str(STOCK_DIR / "endpoints.yml"),
                                   "--credentials", str(STOCK_DIR / "credentials.yml"),
                                   "--interface", "127.0.0.1", "--port", str(port)],
                    f"http://127.0.0.1:{port}/", RESULTS_DIR / "log" / f"stock-{port}.log")
    server.start(_env())
    try:
        server.wait_until_ready(time.monotonic() + START_TIMEOUT)
        yield f"http://127.0.0.1:{port}", server
    finally:
        server.stop()
