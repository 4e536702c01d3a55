"""The booking client the actions use: timeouts, one retry with the same key, error kinds."""

from __future__ import annotations

from datetime import date

import pytest
import requests
import responses

from bot.booking.client import BookingClient, BookingRejected, BookingUnavailable

URL = "http://booking.test"
BOOKING = {"reference": "JM-AAAA-CCCC", "service": "property_registration"}


@pytest.fixture
def client() -> BookingClient:
    return BookingClient(URL, "secret", timeout=0.5)


@responses.activate
def test_create_retries_once_with_the_same_key(client: BookingClient) -> None:
    responses.post(f"{URL}/v1/bookings", body=requests.Timeout())
    responses.post(f"{URL}/v1/bookings", json=BOOKING, status=201)
    assert client.create({"service": "x"}, "key-000001") == BOOKING
    keys = [call.request.headers["Idempotency-Key"] for call in responses.calls]
    assert keys == ["key-000001", "key-000001"]
    assert responses.calls[0].request.headers["Authorization"] == "Bearer secret"


@responses.activate
def test_down_twice_is_unavailable(client: BookingClient) -> None:
    responses.post(f"{URL}/v1/bookings", status=503, json={})
    responses.post(f"{URL}/v1/bookings", body=requests.ConnectionError())
    with pytest.raises(BookingUnavailable):
        client.create({"service": "x"}, "key-000002")
    assert len(responses.calls) == 2


@responses.activate
def test_a_refusal_carries_the_api_code(client: BookingClient) -> None:
    responses.post(f"{URL}/v1/bookings", status=409,
                   json={"error": {"code": "slot_full", "message": "taken"}})
    with pytest.raises(BookingRejected) as raised:
        client.create({"service": "x"}, "key-000003")
    assert raised.value.code == "slot_full" and len(responses.calls) == 1  # no retry on 4xx


@responses.activate
def test_slots_and_garbage_answers(client: BookingClient) -> None:
    responses.get(f"{URL}/v1/slots", json={"timezone": "+08:00", "slots": [
        {"start": "2026-12-01T14:30+08:00", "end": "2026-12-01T15:00+08:00", "available": 2}]})
    (slot,) = client.available_slots("property_registration", date(2026, 12, 1), date(2026, 12, 2))
    assert slot.available == 2 and slot.start.hour == 14
    responses.post(f"{URL}/v1/bookings/JM-AAAA-CCCC/lookup", body="<html>proxy error</html>",
                   status=200)
    with pytest.raises(BookingUnavailable):
        client.lookup("jm-aaaa-cccc", "+85291234567")
