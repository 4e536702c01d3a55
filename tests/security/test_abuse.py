"""Abuse limits on the real stack: a one-sender flood gets the limit message, is not queued, and
other senders keep their normal latency."""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
from typing import Any

import aiohttp
import pytest
import requests

from bot.stack import Stack
from tests.security.conftest import SECURE_PER_SENDER

pytestmark = pytest.mark.stack

FLOOD = 200


async def _ask(session: aiohttp.ClientSession, url: str, sender: str, text: str
               ) -> tuple[int, list[dict[str, Any]], float]:
    started = time.monotonic()
    async with session.post(url, json={"sender": sender, "message": text}) as answer:
        return answer.status, await answer.json(), time.monotonic() - started


async def _flood(stack: Stack, flooder: str) -> dict[str, Any]:
    url = f"{stack.rasa_url}/webhooks/rest/webhook"
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
        baseline = [(await _ask(session, url, f"calm-{uuid.uuid4().hex}", "你好"))[2]
                    for _ in range(3)]
        # the flooder's allowance for this minute, used as a person would
        admitted = [await _ask(session, url, flooder, "物業登記點辦")
                    for _ in range(SECURE_PER_SENDER)]
        flood = [asyncio.create_task(_ask(session, url, flooder, "物業登記點辦"))
                 for _ in range(FLOOD)]
        during = [await _ask(session, url, f"calm-{uuid.uuid4().hex}", "你好")
                  for _ in range(3)]
        return {"baseline": baseline, "admitted": admitted, "flood": await asyncio.gather(*flood),
                "during": during}


def test_a_flood_gets_the_notice_and_others_keep_their_latency(
        secure_stack: Stack, capsys: pytest.CaptureFixture[str]) -> None:
    flooder = uuid.uuid4().hex
    run = asyncio.run(_flood(secure_stack, flooder))
    assert all(status == 200 for status, _, _ in run["admitted"])
    assert {status for status, _, _ in run["flood"]} == {429}
    assert {messages[0]["text"] for _, messages, _ in run["flood"]} == {
        "你發送得太快了，這條消息沒有處理。請等一分鐘再發送；急事可致電12345。"}
    assert all(status == 200 and messages[0]["text"] for status, messages, _ in run["during"])
    baseline = statistics.median(run["baseline"])
    during = statistics.median(latency for _, _, latency in run["during"])
    with capsys.disabled():
        print(f"\nflood of {FLOOD} from one sender: all refused; other senders' median latency "
              f"{during:.2f} s during it, {baseline:.2f} s before")
    # refused at the channel: nothing queued behind the flood (a generous bound: shared CPUs)
    assert during < 3 * baseline + 2.0
    # and nothing of the flood reached the conversation
    tracker = requests.get(f"{secure_stack.rasa_url}/conversations/rest:{flooder}/tracker",
                           params={"token": secure_stack.api_token}, timeout=30).json()
    assert sum(event["event"] == "user" for event in tracker["events"]) == SECURE_PER_SENDER
