"""Talking to a running stack the way users' clients do: the REST webhook and Socket.IO."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import requests
import websockets

from bot.stack import Stack


def say(stack: Stack, text: str, sender: str | None = None) -> list[dict[str, Any]]:
    answer = requests.post(f"{stack.rasa_url}/webhooks/rest/webhook",
                           json={"sender": sender or uuid.uuid4().hex, "message": text},
                           timeout=60)
    assert answer.status_code == 200, answer.text
    return answer.json()


def texts(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m.get("text", "") for m in messages)


async def socketio_chat(url: str, text: str) -> dict[str, Any]:
    """What a browser widget does, at the protocol level: connect, ask for a session, send a
    message, wait for the bot's (first) answer."""
    async with socketio_connection(url) as client:
        await client.start_session()
        await client.send(text)
        name, reply = await client.event()
        assert name == "bot_uttered"
        return reply


class SocketIOClient:
    """One widget connection, speaking the documented packet format directly (Engine.IO 4 /
    Socket.IO 5 over a websocket): "0" open, "40" connect, "42" event, "2"/"3" ping/pong.

    python-socketio's own client needs a newer aiohttp than Rasa 3.6 allows.
    """

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.session_id: str | None = None

    async def emit(self, name: str, data: Any) -> None:
        await self.ws.send("42" + json.dumps([name, data]))

    async def event(self, timeout: float = 60) -> tuple[str, Any]:
        """The next event the server emits."""
        while True:
            packet = await asyncio.wait_for(self.ws.recv(), timeout)
            if packet == "2":
                await self.ws.send("3")
            elif packet.startswith("42"):
                name, *args = json.loads(packet[2:])
                return name, args[0] if args else None

    async def start_session(self, session_id: str | None = None) -> str:
        """session_request / session_confirm; the confirmed id is the one to send with."""
        await self.emit("session_request", {"session_id": session_id or uuid.uuid4().hex})
        name, confirmed = await self.event()
        assert name == "session_confirm", name
        # Rasa confirms with the id; signed widget sessions with {session_id, token}
        self.session_id = confirmed["session_id"] if isinstance(confirmed, dict) else confirmed
        return self.session_id

    async def send(self, text: str, metadata: dict[str, Any] | None = None) -> None:
        await self.emit("user_uttered", {"message": text, "session_id": self.session_id,
                                         "metadata": metadata or {}})

    async def replies(self, quiet: float = 1.0, timeout: float = 60) -> list[dict[str, Any]]:
        """Every bot message of one turn: the first one, then all that follow within ``quiet``
        seconds of each other."""
        messages: list[dict[str, Any]] = []
        while True:
            try:
                name, data = await self.event(timeout if not messages else quiet)
            except asyncio.TimeoutError:
                if messages:
                    return messages
                raise
            if name == "bot_uttered":
                messages.append(data)


@asynccontextmanager
async def socketio_connection(url: str, **connect: Any) -> AsyncIterator[SocketIOClient]:
    """A connected client (``url`` is ws://host:port); ``connect`` goes to websockets.connect."""
    async with websockets.connect(f"{url}/socket.io/?EIO=4&transport=websocket",
                                  **connect) as ws:
        assert (await ws.recv()).startswith("0")
        await ws.send("40")
        assert (await ws.recv()).startswith("40")
        yield SocketIOClient(ws)
