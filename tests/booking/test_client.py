"""The async booking client the actions use, over real HTTP against a scripted stub: one retry
with the same key, a lookup by key when the outcome is unknown, the error kinds, the deadline."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import date

import pytest

from bot.booking.client import BookingClient, BookingRejected, BookingUnavailable, OutcomeUnknown
from tests.booking.conftest import serve_in_thread
from tests.booking.stub import Answer, StubBookingApi

BOOKING = {"reference": "JM-AAAA-CCCC", "service": "property_registration", "status": "booked"}
BOOK, BY_KEY = ("POST", "/v1/bookings"), ("POST", "/v1/bookings/by-key")
SLOW = Answer(delay=1.0)  # longer than the client's attempt timeout below
NOT_FOUND = Answer(404, {"error": {"code": "not_found", "message": "none"}})


@pytest.fixture
def stub() -> Iterator[tuple[StubBookingApi, str]]:
    api = StubBookingApi()
    for url in serve_in_thread(api):
        yield api, url


@pytest.fixture
async def client_for() -> AsyncIterator[Callable[..., BookingClient]]:
    made: list[BookingClient] = []

    def make(url: str, deadline: float = 3.0) -> BookingClient:
        made.append(BookingClient(url, "secret", timeout=0.5, deadline=deadline))
        return made[-1]

    yield make
    for client in made:
        await client.close()


def calls(api: StubBookingApi) -> list[tuple[str, str]]:
    return [(method, path) for method, path, _, _ in api.requests]


async def test_create_retries_once_with_the_same_key(stub, client_for) -> None:
    api, url = stub
    api.answer(*BOOK, SLOW, Answer(201, BOOKING))
    assert await client_for(url).create({"service": "x"}, "key-000001") == BOOKING
    assert [headers["Idempotency-Key"] for _, _, headers, _ in api.requests] == [
        "key-000001", "key-000001"]
    assert api.requests[0][2]["Authorization"] == "Bearer secret"


async def test_no_answer_twice_then_the_key_shows_what_was_made(stub, client_for) -> None:
    api, url = stub
    api.answer(*BOOK, Answer(503), SLOW)
    api.answer(*BY_KEY, Answer(200, BOOKING))
    assert await client_for(url).create({"service": "x"}, "key-000002") == BOOKING
    assert calls(api) == [BOOK, BOOK, BY_KEY]
    assert api.requests[-1][3] == {"idempotency_key": "key-000002"}


async def test_no_answer_and_nothing_made_is_plainly_unavailable(stub, client_for) -> None:
    api, url = stub
    api.answer(*BOOK, Answer(502, "<html>proxy error</html>"))
    api.answer(*BY_KEY, NOT_FOUND)
    with pytest.raises(BookingUnavailable) as raised:
        await client_for(url).create({"service": "x"}, "key-000003")
    assert not isinstance(raised.value, OutcomeUnknown)


async def test_no_answer_at_all_is_an_unknown_outcome(stub, client_for) -> None:
    api, url = stub
    api.answer(*BOOK, Answer(500))
    api.answer(*BY_KEY, Answer(500))
    with pytest.raises(OutcomeUnknown):
        await client_for(url).create({"service": "x"}, "key-000004")


async def test_a_reused_key_is_looked_up_not_forgotten(stub, client_for) -> None:
    api, url = stub
    api.answer(*BOOK, Answer(422, {"error": {"code": "idempotency_key_reused", "message": ""}}))
    api.answer(*BY_KEY, Answer(200, BOOKING))
    assert await client_for(url).create({"service": "x"}, "key-000005") == BOOKING


async def test_a_refusal_carries_the_api_code_and_is_not_retried(stub, client_for) -> None:
    api, url = stub
    api.answer(*BOOK, Answer(409, {"error": {"code": "slot_full", "message": "taken"}}))
    with pytest.raises(BookingRejected) as raised:
        await client_for(url).create({"service": "x"}, "key-000006")
    assert raised.value.code == "slot_full" and calls(api) == [BOOK]


async def test_slots_and_garbage_answers(stub, client_for) -> None:
    api, url = stub
    api.answer("GET", "/v1/slots", Answer(200, {"timezone": "+08:00", "slots": [
        {"start": "2026-12-01T14:30+08:00", "end": "2026-12-01T15:00+08:00", "available": 2}]}))
    client = client_for(url)
    (slot,) = await client.available_slots("property_registration", date(2026, 12, 1),
                                           date(2026, 12, 2))
    assert slot.available == 2 and slot.start.hour == 14
    api.answer("POST", "/v1/bookings/JM-AAAA-CCCC/lookup", Answer(200, "<html>proxy</html>"))
    with pytest.raises(BookingUnavailable):
        await client.lookup("jm-aaaa-cccc", "+85291234567")
    with pytest.raises(BookingUnavailable):
        await client_for("http://127.0.0.1:9").lookup("JM-AAAA-CCCC", "+85291234567")


async def test_the_whole_operation_keeps_its_deadline(stub, client_for) -> None:
    api, url = stub
    api.answer(*BOOK, Answer(delay=5))
    api.answer(*BY_KEY, Answer(delay=5))
    started = time.monotonic()
    with pytest.raises(OutcomeUnknown):
        await client_for(url, deadline=1.2).create({"service": "x"}, "key-000007")
    assert time.monotonic() - started < 2.0  # three attempts of 0.5 s would not fit
