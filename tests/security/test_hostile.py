"""A hostile-input run against the real stack: 10,000 messages through the REST webhook and
Socket.IO (empty and 100 kB messages, control and bidi characters, invalid UTF-8, wrong JSON types,
broken packets). No request gets a 5xx, the server answers normally afterwards, and the Rasa
server's resident memory at the start and the end is printed.

Loopback only, a fixed number of messages and a time cap. Most of it is refused before NLU (body
size, validation, the per-sender limit), which is also what keeps it fast.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import requests
import websockets

from bot.stack import Stack
from tests.chat import WidgetSocket, socketio_chat

pytestmark = pytest.mark.stack

REST_MESSAGES = 9_400
SOCKETIO_MESSAGES = 600
TIME_CAP = 300.0
CONCURRENCY = 16
# messages that pass validation go to NLU: these few senders' limits bound how many
VALID_SENDERS = [f"hostile-{n}" for n in range(6)]

CONTROL = "".join(map(chr, range(1, 32))) + "\x7f\x80\x9f"
BIDI = "\u202e\u2066\u200f\u061c\u2067"
TEXTS = [CONTROL + "物業登記", BIDI + "物業登記使唔使親身去\u2069\u202c", "\x00" * 8,
         "👨‍👩‍👧‍👦" * 50 + "\uffff\U0010ffff", '/book_video_service{"applicant_name": [1, {"a": 2}]}',
         "/inform{not json", "/restart", "/session_start", "/", '/no_such_intent{"x": 1}',
         "<script>alert(1)</script>' OR 1=1 --", "\u0301" * 500]
WRONG_TYPES = [5, None, [], {}, True, 1.5]


def _json(**fields: Any) -> bytes:
    return json.dumps(fields).encode()


def _rest_cases() -> list[tuple[str, str, Callable[[int], bytes]]]:
    """(what, HTTP method, body for the n-th message of that kind)."""
    valid = VALID_SENDERS

    def sender(n: int) -> str:
        return f"hostile-x{n}"

    return [
        ("empty", "POST", lambda n: _json(sender=sender(n), message="")),
        ("whitespace", "POST", lambda n: _json(sender=sender(n), message=" \t\n\u3000 ")),
        ("100 kB", "POST", lambda n: _json(sender=sender(n), message="x" * 100_000)),
        ("over the length cap", "POST", lambda n: _json(sender=sender(n), message="辦" * 2001)),
        ("odd text", "POST", lambda n: _json(sender=valid[n % len(valid)],
                                             message=TEXTS[n % len(TEXTS)])),
        ("invalid UTF-8", "POST", lambda n: b'{"sender": "s", "message": "\xff\xfe\xc3\x28"}'),
        ("lone surrogate", "POST", lambda n: b'{"sender": "s", "message": "\\udc80abc"}'),
        ("not JSON", "POST", lambda n: b"\x00\x01<xml/>"[: n % 8]),
        ("truncated JSON", "POST", lambda n: b'{"sender": "s", "message": "hi'),
        ("wrong message type", "POST",
         lambda n: _json(sender=sender(n), message=WRONG_TYPES[n % len(WRONG_TYPES)])),
        ("wrong sender type", "POST",
         lambda n: _json(sender=[*WRONG_TYPES, "", "x" * 500][n % 8], message="hi")),
        ("wrong metadata type", "POST",
         lambda n: _json(sender=valid[n % len(valid)], message="hi",
                         metadata=[[], "zh", 5, {"lang": 5}, {"lang": {"$ne": 1}}][n % 5])),
        ("deep nesting", "POST", lambda n: b"[" * 30_000 + b"]" * 30_000),
        ("huge number", "POST", lambda n: b'{"sender": "s", "message": "hi", "n": '
                                           + b"9" * 5000 + b"}"),
        ("wrong method", "GET", lambda n: b""),
        ("wrong method", "PUT", lambda n: _json(sender=sender(n), message="hi")),
    ]


async def _rest_run(url: str, deadline: float) -> tuple[Counter[str], Counter[str]]:
    """Sends REST_MESSAGES requests; counts statuses, and by kind the ones refused with 5xx or
    without an answer."""
    cases = _rest_cases()
    work: Iterator[tuple[int, tuple[str, str, Callable[[int], bytes]]]] = enumerate(
        itertools.islice(itertools.cycle(cases), REST_MESSAGES))
    statuses: Counter[str] = Counter()
    failures: Counter[str] = Counter()
    connector = aiohttp.TCPConnector(limit=CONCURRENCY)
    async with aiohttp.ClientSession(connector=connector,
                                     timeout=aiohttp.ClientTimeout(total=60)) as session:

        async def worker() -> None:
            for n, (what, method, body) in work:
                if time.monotonic() > deadline:
                    return
                try:
                    async with session.request(method, url, data=body(n), headers={
                            "Content-Type": "application/json"}) as answer:
                        await answer.read()
                        statuses[str(answer.status)] += 1
                        if answer.status >= 500:
                            failures[what] += 1
                except aiohttp.ClientError:
                    # a server may close the connection on a body it will not read (413)
                    statuses["closed"] += 1
                    if what != "100 kB":
                        failures[what] += 1

        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return statuses, failures


def _socketio_frames() -> Iterator[tuple[str, Any]]:
    """(kind, frame) for one connection: events with odd contents, broken packets, binary."""
    for text in TEXTS[:4]:
        yield "event", {"message": text}
    for wrong in WRONG_TYPES:
        yield "event", {"message": wrong}
    yield "event", {"message": "hi", "session_id": ["not", "a", "string"]}
    yield "event", {"message": "hi", "session_id": None}
    yield "event", {"message": "hi", "metadata": "{not json"}
    yield "event", {"message": "x" * 3000}
    for packet in ["42", "42[", '42["user_uttered"]', "4", "9", "42[1,2,3]", '42["nope",{}]',
                   "4" + "2" * 1000, "\u202e42"]:
        yield "raw", packet
    yield "binary", b"\xff\xfe\x00\x01"


async def _socketio_run(url: str, deadline: float) -> Counter[str]:
    """Sends SOCKETIO_MESSAGES frames over as many connections as it takes; counts outcomes."""
    outcomes: Counter[str] = Counter()
    sent = 0
    while sent < SOCKETIO_MESSAGES and time.monotonic() < deadline:
        async with WidgetSocket.open(url) as client:
            session = (await client.start_session())["session_id"]
            for kind, frame in _socketio_frames():
                await _send_frame(client, kind, frame, session)
                sent += 1
            # one message over the websocket size cap ends the connection
            await client.send("辦" * 34_000)
            sent += 1
            outcomes["closed by the server"] += await _closed(client)
    outcomes["sent"] = sent
    return outcomes


async def _send_frame(client: WidgetSocket, kind: str, frame: Any, session: str) -> None:
    if kind == "event":
        await client.emit("user_uttered", {"session_id": session, "metadata": {}, **frame})
    else:
        await client.ws.send(frame)


async def _closed(client: WidgetSocket) -> int:
    try:
        while True:
            await asyncio.wait_for(client.ws.recv(), 60)
    except websockets.ConnectionClosed:
        return 1
    except asyncio.TimeoutError:
        return 0


def _rss_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    return int(next(line.split()[1] for line in status.splitlines()
                    if line.startswith("VmRSS:")))


def test_ten_thousand_hostile_messages(secure_stack: Stack,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    stack = secure_stack
    rasa_pid = stack.server("Rasa server").process.pid
    rss_start = _rss_kib(rasa_pid)
    started = time.monotonic()
    deadline = started + TIME_CAP

    async def run() -> tuple[Counter[str], Counter[str], Counter[str]]:
        rest, socketio = await asyncio.gather(
            _rest_run(f"{stack.rasa_url}/webhooks/rest/webhook", deadline),
            _socketio_run(stack.rasa_url, deadline))
        return (*rest, socketio)

    statuses, failures, socketio = asyncio.run(run())
    duration = time.monotonic() - started
    stack.check_alive()
    rss_end = _rss_kib(rasa_pid)
    with capsys.disabled():
        print(f"\nhostile run: {sum(statuses.values())} REST requests, statuses "
              f"{dict(sorted(statuses.items()))}; Socket.IO {socketio['sent']} frames, "
              f"{socketio['closed by the server']} connections closed for size; "
              f"{duration:.0f} s; Rasa server RSS {rss_start // 1024} MiB at start, "
              f"{rss_end // 1024} MiB at the end")
    assert sum(statuses.values()) == REST_MESSAGES and socketio["sent"] >= SOCKETIO_MESSAGES
    assert failures == Counter(), failures
    assert not any(status.startswith("5") for status in statuses)
    # and the server still answers, on both channels
    answer = requests.post(f"{stack.rasa_url}/webhooks/rest/webhook", timeout=60,
                           json={"sender": "after-the-storm", "message": "你好"})
    assert answer.status_code == 200 and answer.json()[0]["text"].startswith("你好")
    reply = asyncio.run(socketio_chat(stack.rasa_url, "where can I find a service point"))
    assert reply["text"] == "Where would you like to find a service point?"
