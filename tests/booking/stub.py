"""A stand-in for the booking service that answers as a test scripts it: slow, down, or garbage.

For what the real service cannot be made to do on demand (a 5xx, a timeout, a lost answer). It
speaks real HTTP on a loopback port (``serve_in_thread``) and records every request.
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass(frozen=True)
class Answer:
    status: int = 200
    body: Any = field(default_factory=dict)  # JSON, or a str sent as it is
    delay: float = 0.0


@dataclass
class StubBookingApi:
    # (method, path) -> answers, one per request, the last one repeated
    script: dict[tuple[str, str], list[Answer]] = field(default_factory=lambda: defaultdict(list))
    requests: list[tuple[str, str, dict[str, str], Any]] = field(default_factory=list)

    def answer(self, method: str, path: str, *answers: Answer) -> None:
        self.script[(method, path)].extend(answers)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        return app

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        self.requests.append((request.method, request.path, dict(request.headers),
                              json.loads(raw) if raw else None))
        planned = self.script.get((request.method, request.path)) or [Answer(404, {"error": {
            "code": "not_found", "message": "not scripted"}})]
        answer = planned.pop(0) if len(planned) > 1 else planned[0]
        await asyncio.sleep(answer.delay)
        if isinstance(answer.body, str):
            return web.Response(status=answer.status, text=answer.body)
        return web.json_response(answer.body, status=answer.status)
