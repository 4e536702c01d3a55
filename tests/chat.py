"""Talking to a running stack the way users' clients do: the REST webhook and Socket.IO."""

from __future__ import annotations

import asyncio
import json
import uuid
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
    """What a browser widget does, at the protocol level (Engine.IO 4 / Socket.IO 5 over a
    websocket): connect, ask for a session, send a message, wait for the bot's answer.

    python-socketio's own client needs a newer aiohttp than Rasa 3.6 allows, so this speaks the
    documented packet format directly: "0" open, "40" connect, "42" event, "2"/"3" ping/pong.
    """
    session = uuid.uuid4().hex
    async with websockets.connect(f"{url}/socket.io/?EIO=4&transport=websocket") as ws:

        async def event() -> tuple[str, Any]:
            while True:
                packet = await asyncio.wait_for(ws.recv(), 60)
                if packet == "2":
                    await ws.send("3")
                elif packet.startswith("42"):
                    name, *args = json.loads(packet[2:])
                    return name, args[0] if args else None

        assert (await ws.recv()).startswith("0")
        await ws.send("40")
        assert (await ws.recv()).startswith("40")
        await ws.send("42" + json.dumps(["session_request", {"session_id": session}]))
        assert (await event())[0] == "session_confirm"
        await ws.send("42" + json.dumps(["user_uttered", {"message": text,
                                                           "session_id": session}]))
        name, reply = await event()
        assert name == "bot_uttered"
        return reply
