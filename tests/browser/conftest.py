"""Fixtures for the browser tests: the real stack as a separate process (started with the Rasa
venv's Python, exactly as `make run` starts it) and Debian's chromium driven by Playwright."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright

REPO_ROOT = Path(__file__).resolve().parents[2]
RASA_PYTHON = REPO_ROOT / ".venv" / "bin" / "python"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Chromium on a closed network: no background requests, no first-run, no GPU (see docs/testing).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
READY_TIMEOUT = 300
ARTIFACTS = REPO_ROOT / "var" / "browser"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class StackProcess:
    """``python -m bot.stack`` on fixed ports, which can be stopped and started again: the
    conversations and bookings live in ``run_dir`` and survive a restart."""

    def __init__(self, run_dir: Path, env: dict[str, str] | None = None) -> None:
        self.run_dir = run_dir
        self.ports = {"rasa": free_port(), "action": free_port(), "booking": free_port(),
                      "staff": free_port()}
        self.env = {**os.environ, "PYTHONPATH": str(REPO_ROOT),
                    "BOOKING_DATABASE_URL": f"sqlite:///{run_dir / 'booking.db'}", **(env or {})}
        self.process: subprocess.Popen[str] | None = None
        self.urls: dict[str, str] = {}

    def start(self) -> None:
        self.process = subprocess.Popen(
            [str(RASA_PYTHON), "-m", "bot.stack", "--rasa-port", str(self.ports["rasa"]),
             "--action-port", str(self.ports["action"]), "--booking-port",
             str(self.ports["booking"]), "--staff-port", str(self.ports["staff"]),
             "--run-dir", str(self.run_dir)],
            cwd=REPO_ROOT, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, start_new_session=True)
        self.urls = self._read_ready_message()

    def _read_ready_message(self) -> dict[str, str]:
        """The URLs of the ready message's lines ("REST webhook   POST http://...")."""
        assert self.process and self.process.stdout
        urls: dict[str, str] = {}
        deadline = time.monotonic() + READY_TIMEOUT
        for line in self.process.stdout:
            match = re.match(r"\s{2}([A-Z][\w ]+?)\s{2,}.*?(https?://\S+)", line)
            if match:
                urls[match.group(1)] = match.group(2)
            if "Stop: Ctrl-C" in line:
                return urls
            if time.monotonic() > deadline:
                break
        raise RuntimeError(f"the stack did not start; see {self.run_dir / 'log'}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


# a site that embeds the widget (tests/browser/test_widget.py serves it through Playwright)
EMBEDDING_SITE = "http://localhost:9"


@pytest.fixture(scope="session")
def stack_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackProcess]:
    stack = StackProcess(tmp_path_factory.mktemp("stack"), {"ALLOWED_ORIGINS": EMBEDDING_SITE})
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where screenshots go (var/browser/), kept after the run as test artifacts."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
