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


class WidgetSocket:
    """What the browser widget does, at the protocol level (Engine.IO 4 / Socket.IO 5 over a
    websocket; contract 4 of the team brief): connect, get a signed session, send, read replies.

    python-socketio's own client needs a newer aiohttp than Rasa 3.6 allows, so this speaks the
    documented packet format directly: "0" open, "40" connect, "42" event, "43" ack, "2"/"3"
    ping/pong.
    """

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.session: dict[str, str] = {}
        self.acks: dict[int, Any] = {}
        self._next_ack = 0

    @classmethod
    @asynccontextmanager
    async def open(cls, url: str, token: str | None = None, origin: str | None = None
                   ) -> AsyncIterator[WidgetSocket]:
        """A connected socket; ``url`` is the server's http(s) address."""
        address = url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket"
        async with websockets.connect(address, origin=origin, max_size=None) as ws:
            assert (await ws.recv()).startswith("0")
            await ws.send("40" + (json.dumps({"token": token}) if token else ""))
            assert (await ws.recv()).startswith("40")
            yield cls(ws)

    async def event(self, timeout: float = 60) -> tuple[str, Any]:
        """The next event from the server: (name, data), or ("ack", id) once an ack (kept in
        ``acks``) has come."""
        while True:
            packet = await asyncio.wait_for(self.ws.recv(), timeout)
            if packet == "2":
                await self.ws.send("3")
            elif packet.startswith("42"):
                name, *args = json.loads(packet[2:])
                return name, args[0] if args else None
            elif packet.startswith("43"):
                ack_id, _, body = packet[2:].partition("[")
                self.acks[int(ack_id)] = json.loads("[" + body)[0]
                return "ack", int(ack_id)

    async def emit(self, name: str, data: Any) -> int:
        """Sends an event asking for an ack; returns the ack's id."""
        self._next_ack += 1
        await self.ws.send(f"42{self._next_ack}" + json.dumps([name, data]))
        return self._next_ack

    async def start_session(self, session_id: str | None = None) -> dict[str, str]:
        await self.ws.send("42" + json.dumps(["session_request", {"session_id": session_id}]))
        name, data = await self.event()
        while name == "ack":
            name, data = await self.event()
        assert name == "session_confirm", name
        self.session = data
        return data

    async def send(self, text: str, metadata: dict[str, str] | None = None,
                   session_id: str | None = None) -> int:
        """Sends a message without waiting; returns the ack's id."""
        return await self.emit("user_uttered", {
            "message": text, "session_id": session_id or self.session["session_id"],
            "metadata": metadata or {}})

    async def say(self, text: str, metadata: dict[str, str] | None = None,
                  session_id: str | None = None, timeout: float = 60) -> tuple[list[Any], Any]:
        """Sends a message; returns the bot messages of that turn and the turn's ack."""
        ack = await self.send(text, metadata, session_id)
        replies: list[Any] = []
        while ack not in self.acks:
            try:
                name, data = await self.event(timeout)
            except asyncio.TimeoutError:
                break
            if name == "bot_uttered":
                replies.append(data)
        return replies, self.acks.get(ack)


async def socketio_chat(url: str, text: str) -> dict[str, Any]:
    """One message through the widget's channel; the bot's first answer."""
    async with WidgetSocket.open(url) as socket:
        await socket.start_session()
        replies, ack = await socket.say(text)
        assert ack == {"status": "done"}
        return replies[0]
