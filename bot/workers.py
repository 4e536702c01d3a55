"""Several worker processes serving one port, each with its own listening socket.

Sanic 21.12's ``workers=N`` forks N workers around one shared listening socket, and whichever
worker runs its event loop first accepts every connection waiting: the busy worker, which looks
at its sockets between turns, takes the new connections while the idle one is still being woken.
Under 50 senders one worker used 14.6 s of CPU and the other 2.7 s in 15 s (docs/deploy.md, ninth
pass), so the server used little more than one core and the loaded worker's queue set the p99.

Here each worker binds its own socket with ``SO_REUSEPORT``, and the kernel shares new
connections out between the sockets evenly (by a hash of each connection's addresses), whatever
the workers are doing.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import socket
import sys
from collections.abc import Callable

from bot import balance

logger = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1  # linux/prctl.h


def listening_socket(host: str, port: int, backlog: int) -> socket.socket:
    """A listening socket that other processes of this user can bind to the same port too."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(backlog)
    return sock


def serve_forked(serve: Callable[[socket.socket], None], host: str, port: int, backlog: int,
                 workers: int) -> None:
    """Forks ``workers`` processes; each binds its own socket and runs ``serve`` on it.

    The parent passes SIGTERM and SIGINT on to the workers. When one worker exits, the parent
    stops the others and exits with its status: a server running on part of its workers would
    look healthy to whatever supervises it while serving part of its connections slowly.
    """
    children: list[int] = []
    stopping: list[int] = []

    def stop(signum: int, _: object) -> None:
        stopping.append(signum)
        for child in children:
            _signal(child, signum)

    # before the first fork: a signal during start-up stops the workers started so far, and no
    # more are started
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    parent = os.getpid()
    balance.share_between(workers)
    for worker in range(workers):
        if stopping:
            break
        pid = os.fork()
        if pid == 0:
            # a worker's signals are its own (Sanic sets its handlers as it starts)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            _stop_with(parent)
            balance.serve_as(worker)
            status = 1  # unless serve returns: also for SystemExit and KeyboardInterrupt
            try:
                serve(listening_socket(host, port, backlog))
                status = 0
            except Exception:
                logger.exception("A server worker stopped with an error.")
            finally:
                logging.shutdown()
                os._exit(status)
        children.append(pid)
    if not children:
        sys.exit(0)
    pid, status = os.wait()
    children.remove(pid)
    stop(signal.SIGTERM, None)
    for child in children:
        os.waitpid(child, 0)
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        logger.error("A server worker (process %s) exited with status %s; stopped the others.",
                     pid, code)
    sys.exit(0 if code == 0 else 1)


def _stop_with(parent: int) -> None:
    """Has Linux send this worker SIGTERM when its parent dies, even by SIGKILL: a worker left
    behind would go on answering on the port, with the old model, beside a restarted server."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM) != 0:
        logger.warning("A server worker will not stop with its parent: prctl failed (errno %s).",
                       ctypes.get_errno())
    if os.getppid() != parent:  # the parent died before the request took effect
        os.kill(os.getpid(), signal.SIGTERM)


def _signal(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # already gone
        os.kill(pid, signum)
