"""What the public port serves, on the real servers: the channels and /health for everyone, Rasa's
HTTP API only with the operator token, CORS only for ALLOWED_ORIGINS, bodies refused before they
are read; the action server only for whoever has its secret."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from pathlib import Path

import pytest
import requests
import websockets

from bot.stack import Stack
from tests.chat import WidgetSocket

pytestmark = pytest.mark.stack

# Rasa API routes the issue names, and two that Rasa itself leaves open
API_ROUTES = [("GET", "/status"), ("GET", "/conversations/someone/tracker"), ("PUT", "/model"),
              ("POST", "/model/train"), ("GET", "/version"), ("GET", "/")]


# what each route is sent: nothing the handlers could act on (no model to load, no YAML to train)
BODIES = {"PUT": b"{}", "POST": b"[not yaml"}


def _call(stack: Stack, method: str, path: str, **params: str) -> requests.Response:
    return requests.request(method, stack.rasa_url + path, params=params, timeout=30,
                            data=BODIES.get(method))


def test_without_rasa_api_token_there_is_no_api(stack: Stack) -> None:
    expected = 401 if stack.api_token else 404  # someone ran the tests with RASA_API_TOKEN set
    for method, path in API_ROUTES:
        assert _call(stack, method, path).status_code == expected, path
    assert requests.get(f"{stack.rasa_url}/health", timeout=10).json() == {"status": "ok"}


def test_every_api_route_needs_the_token(secure_stack: Stack) -> None:
    token = secure_stack.api_token
    for method, path in API_ROUTES:
        assert _call(secure_stack, method, path).status_code == 401, path
        assert _call(secure_stack, method, path, token="wrong").status_code == 401, path
    assert _call(secure_stack, "GET", "/status", token=token).json()["model_file"]
    tracker = _call(secure_stack, "GET", "/conversations/someone/tracker", token=token)
    assert tracker.json()["sender_id"] == "someone"
    # with the token the request reaches Rasa's handler, which checks what was posted
    model = _call(secure_stack, "PUT", "/model", token=token)
    assert model.status_code == 400 and model.json()["reason"] == "BadRequest"
    train = _call(secure_stack, "POST", "/model/train", token=token)
    assert train.status_code == 400 and "YAML" in train.json()["message"]
    assert requests.get(f"{secure_stack.rasa_url}/health", timeout=10).status_code == 200


def test_cors_answers_only_allowed_origins(stack: Stack) -> None:
    url = f"{stack.rasa_url}/webhooks/rest/webhook"
    body = {"sender": "cors-check", "message": "你好"}
    allowed = stack.env["ALLOWED_ORIGINS"].split(",")[0]
    evil = requests.post(url, json=body, headers={"Origin": "https://evil.example"}, timeout=60)
    assert evil.status_code == 200
    assert "Access-Control-Allow-Origin" not in evil.headers
    preflight = requests.options(url, timeout=10, headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in preflight.headers
    good = requests.post(url, json=body, headers={"Origin": allowed}, timeout=60)
    assert good.headers["Access-Control-Allow-Origin"] == allowed


def _first_line_of_answer(port: int, head: bytes, timeout: float = 10) -> bytes:
    """Sends only a request head (and one byte of body); the status line that comes back."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
        connection.sendall(head + b"{")
        return connection.recv(200).split(b"\r\n", 1)[0]


def test_big_bodies_are_refused_before_they_are_read(stack: Stack, secure_stack: Stack) -> None:
    started = time.monotonic()
    status = _first_line_of_answer(stack.rasa_port, b"POST /webhooks/rest/webhook HTTP/1.1\r\n"
                                   b"Host: x\r\nContent-Length: 104857600\r\n\r\n")
    assert status == b"HTTP/1.1 413 Request Entity Too Large"
    assert time.monotonic() - started < 5  # answered without waiting for 100 MB
    status = _first_line_of_answer(secure_stack.rasa_port, b"POST /model/train HTTP/1.1\r\n"
                                   b"Host: x\r\nContent-Length: 104857600\r\n\r\n")
    assert status == b"HTTP/1.1 401 Unauthorized"
    # the operator, with the token, may post more than a chat message (training data)
    big = BODIES["POST"] + b"x" * 200_000
    train = requests.post(f"{secure_stack.rasa_url}/model/train", data=big, timeout=60,
                          params={"token": secure_stack.api_token})
    assert train.status_code == 400 and "YAML" in train.json()["message"]


def test_websocket_messages_are_capped(stack: Stack) -> None:
    async def oversized() -> int | None:
        async with WidgetSocket.open(stack.rasa_url) as client:
            await client.start_session()
            await client.send("辦" * 40_000)  # 120 kB of UTF-8
            try:
                await client.event(timeout=10)
            except websockets.ConnectionClosed as closed:
                return closed.code
            return None

    assert asyncio.run(oversized()) == 1009  # "message too big", before it is read


def _listening(port: int) -> set[str]:
    """The addresses a local TCP port listens on (from /proc/net/tcp)."""
    addresses = set()
    for line in Path("/proc/net/tcp").read_text(encoding="ascii").splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, local_port = local.split(":")
        if state == "0A" and int(local_port, 16) == port:  # LISTEN
            addresses.add(socket.inet_ntoa(bytes.fromhex(address)[::-1]))
    return addresses


def test_the_action_server_needs_its_secret(stack: Stack) -> None:
    assert _listening(stack.action_port) == {"127.0.0.1"}
    url, body = f"{stack.action_url}/webhook", {"next_action": "action_human_handoff"}
    assert requests.post(url, json=body, timeout=10).status_code == 401
    assert requests.post(url, json=body, params={"token": "wrong"}, timeout=10).status_code == 401
    # domain responses are rendered inside the Rasa server: the action server has no /nlg
    assert requests.post(f"{stack.action_url}/nlg", json={}, timeout=10,
                         params={"token": stack.action_token}).status_code == 404
    assert requests.get(f"{stack.action_url}/health", timeout=10).status_code == 200
    notices, asking = f"{stack.action_url}/notices", {"conversation_id": "x", "message": {}}
    assert requests.post(notices, json=asking, timeout=10).status_code == 401
    with_token = {"token": stack.action_token}
    assert requests.post(notices, json=asking, params=with_token, timeout=10).json() == {
        "messages": []}
    for bad in ({"conversation_id": 1, "message": {}}, ["x"]):
        refused = requests.post(notices, json=bad, params=with_token, timeout=10)
        assert refused.status_code == 400 and "conversation_id" in refused.json()["error"]
    assert requests.post(notices, data=b"{", params=with_token, timeout=10).status_code == 400


def test_action_server_errors_do_not_echo_the_request(stack: Stack) -> None:
    forged = {"next_action": "action_booking_lookup", "sender_id": "x", "version": "3.6.21",
              "tracker": {"sender_id": "x", "slots": "A123456(3)", "events": "91234567"},
              "domain": {}}
    answer = requests.post(f"{stack.action_url}/webhook", json=forged, timeout=30,
                           params={"token": stack.action_token})
    assert answer.status_code >= 400
    assert "A123456" not in answer.text and "91234567" not in answer.text
    assert "request_body" not in json.loads(answer.text)
