"""bot/workers.py: the Rasa server's workers (`make run`) each listen on a socket of their own,
and the kernel shares connections out between them."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.local_servers import free_port
from bot.stack.server import child_pids, listening_on

REPO_ROOT = Path(__file__).resolve().parents[2]

# each worker answers a connection's first byte with its process id, then keeps the connection
WORKER_SERVER = textwrap.dedent("""
    import asyncio, os, signal, sys
    from bot.workers import serve_forked

    def serve(sock):
        async def answer(reader, writer):
            await reader.read(1)
            writer.write(f"{os.getpid()}\\n".encode())
            await writer.drain()
            await reader.read(1)
            writer.close()

        async def main():
            stopped = asyncio.Event()
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stopped.set)
            async with await asyncio.start_server(answer, sock=sock):
                await stopped.wait()

        asyncio.run(main())

    serve_forked(serve, "127.0.0.1", int(sys.argv[1]), 100, 2)
""")


@pytest.fixture
def workers() -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    port = free_port()
    server = subprocess.Popen([sys.executable, "-c", WORKER_SERVER, str(port)], cwd=REPO_ROOT,
                              start_new_session=True)
    deadline = time.monotonic() + 20
    while len(_children(server.pid)) < 2 or not _answers(port):
        assert server.poll() is None and time.monotonic() < deadline, "the workers did not start"
        time.sleep(0.1)
    yield server, port
    with contextlib.suppress(ProcessLookupError):  # the parent and its workers, however left
        os.killpg(server.pid, signal.SIGKILL)
    server.wait()


def _children(pid: int) -> list[int]:
    try:
        return child_pids(pid)
    except OSError:  # the process is gone
        return []


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
            connection.sendall(b"x")
            return bool(connection.recv(32))
    except OSError:
        return False


def test_each_worker_listens_on_a_socket_of_its_own(workers) -> None:
    """Sanic's workers share the socket their parent bound, so one of them accepts every waiting
    connection; here the parent holds no listening socket at all (it would take connections
    that nobody accepts)."""
    server, port = workers
    first, second = (listening_on(child, port) for child in _children(server.pid))
    assert len(first) == len(second) == 1 and first != second
    assert not listening_on(server.pid, port)


def test_a_burst_of_connections_is_shared_out_between_the_workers(workers) -> None:
    _, port = workers
    connections = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(40)]
    try:
        for connection in connections:
            connection.sendall(b"x")
        served_by = Counter(connection.makefile().readline() for connection in connections)
    finally:
        for connection in connections:
            connection.close()
    # shared by a hash of each connection's addresses: fewer than 8 of 40 on one worker has a
    # chance of about 1 in 100,000
    assert len(served_by) == 2 and min(served_by.values()) >= 8, served_by


def test_the_parent_passes_sigterm_on_and_exits_when_they_have(workers) -> None:
    server, _ = workers
    children = _children(server.pid)
    server.send_signal(signal.SIGTERM)
    assert server.wait(timeout=10) == 0
    assert not any(Path(f"/proc/{child}").exists() for child in children)


def test_a_worker_that_dies_stops_the_server(workers) -> None:
    """A server on one worker of two would look healthy to whatever supervises it."""
    server, _ = workers
    dead, other = _children(server.pid)
    os.kill(dead, signal.SIGKILL)
    assert server.wait(timeout=10) == 1
    assert not Path(f"/proc/{other}").exists()


def test_the_workers_stop_when_the_parent_is_killed(workers) -> None:
    """SIGKILL cannot be passed on; left behind, the workers would go on answering on the port
    beside a restarted server."""
    server, port = workers
    children = _children(server.pid)
    server.kill()
    server.wait()
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{child}").exists() and _state(child) != "Z" for child in children):
        assert time.monotonic() < deadline, "the workers outlived their parent"
        time.sleep(0.1)
    assert not _answers(port)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "Z"
