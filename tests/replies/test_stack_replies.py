"""Through the real stack (REST channel, Rasa, action server): "more" and a shared location."""

from __future__ import annotations

import uuid

import pytest

from bot.stack import Stack
from tests.chat import say

pytestmark = pytest.mark.stack


def test_more_brings_the_next_screen_through_rasa(stack: Stack) -> None:
    user = uuid.uuid4().hex
    (first,) = say(stack, "我住元朗，最近嘅服務點喺邊？", user)
    more = first["buttons"][-1]
    assert more["title"] == "更多" and more["payload"].startswith("/show_more")
    assert "more" not in first  # the rest rides on the stored event, not on the wire
    (second,) = say(stack, more["payload"], user)
    assert second["text"] and second["text"] not in first["text"]
    (typed,) = say(stack, "睇更多", user)  # typing it continues the latest answer
    assert typed["text"]


def test_a_shared_location_near_the_hall(stack: Stack) -> None:
    messages = say(stack, '/share_location{"latitude": 22.59, "longitude": 113.08}')
    text = messages[0]["text"]
    assert text.startswith("離你最近的服務點（直線距離）：\n1. 江門市人民政府行政服務中心：約")
    (no_position,) = say(stack, "/share_location")
    assert no_position["buttons"][0]["payload"] == '/find_service_point{"region":"hong_kong"}'
