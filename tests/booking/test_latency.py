"""Issue 7, item 4: a slow booking service must not slow down anyone else.

A stub booking API answers every call after 4.9 s; five booking chats wait on it at once, and an
unrelated question must still be answered in under 2 s (the real stack, BOOKING_API_URL pointing
at the stub). With blocking HTTP in the actions, the question would wait behind the five calls.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest

from bot.booking.schedule import beijing_now, default_schedule
from bot.local_servers import free_port
from bot.stack import Stack
from tests.booking.conftest import serve_in_thread
from tests.booking.stub import Answer, StubBookingApi
from tests.chat import say, texts

pytestmark = pytest.mark.stack
DELAY = 4.9


def free_slots() -> dict[str, object]:
    now, step = beijing_now(), timedelta(minutes=default_schedule().slot_minutes)
    starts = default_schedule().bookable_slots(now, now.date(), now.date() + timedelta(days=7))
    return {"timezone": "+08:00", "slots": [
        {"start": s.isoformat(timespec="minutes"), "end": (s + step).isoformat(timespec="minutes"),
         "available": 2} for s in starts]}


@pytest.fixture
def stack_on_a_slow_booking_service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                    ) -> Iterator[Stack]:
    stub = StubBookingApi()
    stub.answer("GET", "/v1/slots", Answer(200, free_slots(), delay=DELAY))
    for url in serve_in_thread(stub):
        monkeypatch.setenv("BOOKING_API_URL", url)
        with Stack(rasa_port=free_port(), action_port=free_port(), booking_port=free_port(),
                   run_dir=tmp_path) as running:
            yield running


def test_a_question_is_answered_quickly_while_bookings_wait(stack_on_a_slow_booking_service
                                                          ) -> None:
    stack = stack_on_a_slow_booking_service
    say(stack, "你好")  # the first message warms up NLU and the actions
    with ThreadPoolExecutor(5) as pool:
        started = time.monotonic()
        bookings = [pool.submit(say, stack, "我想預約視像辦物業登記") for _ in range(5)]
        time.sleep(0.5)  # the five are now waiting on the booking service
        asked = time.monotonic()
        answer = texts(say(stack, "物業登記使唔使親身去"))
        latency = time.monotonic() - asked
        slot_questions = [texts(booking.result()) for booking in bookings]
        waited = time.monotonic() - started
    print(f"\nunrelated question answered in {latency:.2f} s while 5 booking chats waited "
          f"{waited:.1f} s on a {DELAY} s booking service")
    assert "不動產登記" in answer
    assert latency < 2.0
    assert all("請選擇時間" in question for question in slot_questions)
    assert waited >= DELAY  # they really were waiting on the stub
