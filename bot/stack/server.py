"""One server of the stack as a process: started with its log under var/log/, ready once its
health URL answers from its own port, stopped with its whole process group."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from bot.paths import REPO_ROOT

START_TIMEOUT = 240.0


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
    """True when process ``pid`` or one of its children (the Rasa server's workers) holds a
    socket listening on ``port`` (Linux /proc); True where /proc cannot tell."""
    try:
        return any(listening_on(process, port) for process in [pid, *child_pids(pid)])
    except OSError:
        return True


def child_pids(pid: int) -> list[int]:
    """The child processes of ``pid`` (Linux /proc); raises OSError where /proc cannot tell."""
    return [int(child) for child in
            Path(f"/proc/{pid}/task/{pid}/children").read_text(encoding="ascii").split()]


def listening_on(pid: int, port: int) -> set[str]:
    """The sockets (``socket:[inode]``) process ``pid`` holds listening on ``port`` (Linux
    /proc); raises OSError where /proc cannot tell."""
    listening = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for row in Path(table).read_text(encoding="ascii").splitlines()[1:]:
            fields = row.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # LISTEN
                listening.add(f"socket:[{fields[9]}]")
    return {os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir()} & listening
