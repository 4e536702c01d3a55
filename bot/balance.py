"""Keeping the workers that share a port (bot/workers.py) evenly loaded.

The kernel deals each new connection to a worker by a hash of its addresses, and an HTTP client
keeps its connections open (WeChat's servers, a partner's server, a load test): the worker that
drew more of them serves more turns for as long as they stay open. Its residents wait longer, and
at the end of a peak it works on while the others idle. At 50 senders over kept connections,
three workers drew 11, 17 and 22 of them and the senders' mean answers were 0.5, 0.63 and 0.8 s;
with two workers, the busier one served the last 1.6 s of an 8.9 s load alone.

So each worker publishes how many turns it has (waiting or computing, ``bot.turns``) in memory
shared with the others, and a worker with more than ``MARGIN`` above the least loaded answers a
webhook's request with ``Connection: close``: the client's next connection is dealt again. Only
the REST and WeChat webhooks: a Socket.IO session lives in the worker that holds it.
"""

from __future__ import annotations

import ctypes
from multiprocessing.sharedctypes import RawArray
from typing import Any

from sanic.request import Request
from sanic.response import HTTPResponse

# turns above the least loaded worker's before connections are dealt again: fewer closes a
# connection on ordinary jitter, more leaves a lasting imbalance of that many turns. 1 against 2,
# 10 rounds of 50 senders: 69.5 -> 71.0 msg/s (higher in 9 of 9 after the first), p99 the same
MARGIN = 1
BALANCED_PATHS = ("/webhooks/rest/", "/webhooks/wechat/")

_loads: Any = None  # one int per worker, shared by the processes forked after share_between
_mine: int | None = None


def share_between(workers: int) -> None:
    """Before the workers are forked: the memory they publish their loads in."""
    global _loads, _mine
    _loads, _mine = RawArray(ctypes.c_int, workers), None


def serve_as(worker: int) -> None:
    """In a forked worker: which of the shared loads is this process's."""
    global _mine
    _mine = worker


def publish(turns: int) -> None:
    if _mine is not None:
        _loads[_mine] = turns


def busier_than_the_others() -> bool:
    if _mine is None:
        return False
    loads = _loads[:]  # one read of each; a value a moment old only delays a deal by a turn
    return loads[_mine] > min(loads) + MARGIN


async def deal_again_if_busier(request: Request, _: HTTPResponse) -> None:
    """Sanic response middleware: a webhook's connection closed by a busier worker."""
    if request.path.startswith(BALANCED_PATHS) and busier_than_the_others():
        request.stream.keep_alive = False
