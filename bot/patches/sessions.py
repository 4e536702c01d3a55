"""Rasa makes a new aiohttp session, and with it a new TCP connection, for every request to another
server (``EndpointConfig.session``): every custom action paid for a connection set up and torn
down on both sides, about 0.4 ms of the Rasa server's CPU and 0.7 ms of the action server's per
call (measured with the tracker of a booking turn).

Each process keeps one session per endpoint and event loop instead. Its idle connections are
dropped after ``IDLE_SECONDS``, well before a server drops them (Sanic's keep-alive: 5 s; nginx's:
75 s), so that a request is not written on a connection its server is closing. A connection
whose server has gone (a restarted action server) is seen as closed and not reused.

Its JSON bodies (a tracker of 30 KB and more) are written by ujson, as UTF-8: 0.2 ms a call
instead of the standard library's 0.45, and a tenth smaller than with every Chinese character
escaped.
"""

from __future__ import annotations

import asyncio
from types import TracebackType

import aiohttp
import ujson
from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

IDLE_SECONDS = 2.0


def _dumps(body: object) -> str:
    return ujson.dumps(body, ensure_ascii=False)


# on the endpoint: its session and the loop that session belongs to
_KEPT_ON_ENDPOINT = "_kept_session"
# every kept session with its loop, to close them at server stop
_OPEN: list[tuple[asyncio.AbstractEventLoop, aiohttp.ClientSession]] = []


class _Open:
    """What ``async with endpoint.session()`` enters: the kept session, left open on leaving."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self._session

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        trace: TracebackType | None) -> None:
        return None


def kept_session(self: EndpointConfig) -> _Open:
    """The endpoint's session on the running loop, made (as Rasa makes it) on first use."""
    loop = asyncio.get_running_loop()
    kept_loop, session = self.__dict__.get(_KEPT_ON_ENDPOINT, (None, None))
    if session is None or kept_loop is not loop or session.closed:
        auth = (aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"])
                if self.basic_auth else None)
        session = aiohttp.ClientSession(
            headers=self.headers, auth=auth,
            timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
            connector=aiohttp.TCPConnector(keepalive_timeout=IDLE_SECONDS),
            json_serialize=_dumps)
        self.__dict__[_KEPT_ON_ENDPOINT] = (loop, session)
        _OPEN[:] = [(lp, kept) for lp, kept in _OPEN
                    if not kept.closed and not lp.is_closed()] + [(loop, session)]
    return _Open(session)


async def close_kept_sessions(*_: object) -> None:
    """Closes the sessions kept on the running loop (a Sanic listener at server stop)."""
    loop = asyncio.get_running_loop()
    for session in [kept for kept_loop, kept in _OPEN if kept_loop is loop]:
        await session.close()
