"""The booking service over real HTTP: every endpoint, validation, auth, idempotency, capacity."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from bot.booking.schedule import default_schedule
from bot.booking.service import BookingApi
from bot.booking.store import BookingStore
from bot.catalog import default_catalog
from bot.local_servers import free_port
from bot.stack import REPO_ROOT
from tests.booking.conftest import SPEC, TOKEN, RunningService, booking_request

BOOK = "/v1/bookings"
LOOKUP = "/v1/bookings/{reference}/lookup"
CANCEL = "/v1/bookings/{reference}/cancel"


def book(running: RunningService, key: str | None = None, **changes: str) -> requests.Response:
    return running.call("POST", BOOK, json=booking_request(**changes),
                        headers={"Idempotency-Key": key or uuid.uuid4().hex})


def error_code(answer: requests.Response) -> str:
    return answer.json()["error"]["code"]


def test_every_route_is_documented() -> None:
    api = BookingApi(BookingStore("sqlite://"), default_schedule(), default_catalog(), TOKEN)
    routes = {(route.method.lower(), route.resource.canonical)
              for route in api.app().router.routes() if route.method != "HEAD"}
    assert routes == {(method, path) for path, item in SPEC["paths"].items() for method in item}


def test_health_needs_no_token(service: RunningService) -> None:
    assert service.call("GET", "/health", token="").json() == {"status": "ok"}


def test_slots_are_free_bookable_times(service: RunningService) -> None:
    answer = service.call("GET", "/v1/slots", params={
        "service": "property_registration", "from": "2026-12-01", "to": "2026-12-07"})
    slots = answer.json()["slots"]
    starts = [datetime.fromisoformat(s["start"]) for s in slots]
    assert starts[0].isoformat() == "2026-12-01T14:30:00+08:00"  # 2 h notice, after lunch
    assert {s.isoweekday() for s in starts} <= {1, 2, 3, 4, 5}  # no weekend
    assert all(s["available"] == 2 for s in slots)
    book(service)
    again = service.call("GET", "/v1/slots", params={
        "service": "property_registration", "from": "2026-12-01", "to": "2026-12-01"}).json()
    assert again["slots"][0] == {"start": "2026-12-01T14:30+08:00",
                                 "end": "2026-12-01T15:00+08:00", "available": 1}


def test_slots_reject_bad_queries(service: RunningService) -> None:
    def slots(**params: str) -> requests.Response:
        return service.call("GET", "/v1/slots", params=params)

    assert error_code(slots(service="nope", **{"from": "2026-12-01", "to": "2026-12-02"})) == (
        "unknown_service")
    assert error_code(slots(service="marriage_registration",
                            **{"from": "2026-12-01", "to": "2026-12-02"})) == "service_not_video"
    assert error_code(slots(service="property_registration",
                            **{"from": "tomorrow", "to": "2026-12-02"})) == "invalid_date"
    assert error_code(slots(service="property_registration",
                            **{"from": "2026-12-05", "to": "2026-12-01"})) == "invalid_range"


def test_public_holidays_have_no_slots(service: RunningService) -> None:
    service.clock.now = datetime.fromisoformat("2026-12-28T09:00+08:00")
    slots = service.call("GET", "/v1/slots", params={
        "service": "property_registration", "from": "2026-12-31", "to": "2027-01-01"}).json()
    assert {s["start"][:10] for s in slots["slots"]} == {"2026-12-31"}  # 元旦 closed


def test_book_look_up_and_cancel(service: RunningService) -> None:
    created = book(service)
    assert created.status_code == 201
    booking = created.json()
    assert booking["id_number"] == "****4563" and booking["phone"] == "+852 ****4567"
    assert booking["slot"] == {"start": "2026-12-01T14:30+08:00", "end": "2026-12-01T15:00+08:00"}
    reference = booking["reference"]
    found = service.call("POST", f"{BOOK}/{reference}/lookup", template=LOOKUP,
                         json={"phone": "85291234567"})
    assert found.status_code == 200 and found.json() == booking
    wrong_phone = service.call("POST", f"{BOOK}/{reference}/lookup", template=LOOKUP,
                               json={"phone": "+852 9999 8888"})
    assert wrong_phone.status_code == 404
    cancelled = service.call("POST", f"{BOOK}/{reference.lower()}/cancel", template=CANCEL,
                             json={"phone": "+852 9123 4567"})
    assert cancelled.json()["status"] == "cancelled"
    twice = service.call("POST", f"{BOOK}/{reference}/cancel", template=CANCEL,
                         json={"phone": "+852 9123 4567"})
    assert twice.status_code == 200 and twice.json()["status"] == "cancelled"


def test_cancelling_frees_the_place(one_place_service: RunningService) -> None:
    reference = book(one_place_service).json()["reference"]
    assert error_code(book(one_place_service)) == "slot_full"
    one_place_service.call("POST", f"{BOOK}/{reference}/cancel", template=CANCEL,
                           json={"phone": "+85291234567"})
    assert book(one_place_service).status_code == 201


def test_too_late_to_cancel(service: RunningService) -> None:
    reference = book(service).json()["reference"]
    service.clock.now += timedelta(hours=5)
    late = service.call("POST", f"{BOOK}/{reference}/cancel", template=CANCEL,
                        json={"phone": "+85291234567"})
    assert late.status_code == 409 and error_code(late) == "too_late_to_cancel"


def test_the_same_key_returns_the_same_booking(service: RunningService) -> None:
    first = book(service, key="retry-key-0001")
    retry = book(service, key="retry-key-0001", phone="852 9123 4567")  # same request, other form
    assert first.status_code == 201 and retry.status_code == 200
    assert retry.json()["reference"] == first.json()["reference"]
    other = book(service, key="retry-key-0001", applicant_name="李小明")
    assert other.status_code == 422 and error_code(other) == "idempotency_key_reused"


def test_fifty_simultaneous_requests_for_one_place(one_place_service: RunningService) -> None:
    with ThreadPoolExecutor(50) as pool:
        answers = list(pool.map(lambda _: book(one_place_service), range(50)))
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [201] + [409] * 49
    assert {error_code(a) for a in answers if a.status_code == 409} == {"slot_full"}
    engine = create_engine(one_place_service.database)
    with engine.connect() as connection:
        assert connection.execute(text("select count(*) from bookings")).scalar() == 1


@pytest.mark.parametrize(("changes", "code"), [
    ({"service": "nope"}, "unknown_service"),
    ({"service": "home_return_permit"}, "service_not_video"),
    ({"slot": "2026-12-01T14:45+08:00"}, "slot_not_offered"),
    ({"slot": "2026-12-01T10:30+08:00"}, "slot_too_soon"),
    ({"slot": "2026-11-30T14:30+08:00"}, "slot_in_past"),
    ({"slot": "2027-01-15T09:00+08:00"}, "slot_too_far"),
    ({"slot": "2026-12-05T09:00+08:00"}, "closed_day"),
    ({"slot": "2026-12-01 14:30"}, "invalid_slot"),
    ({"phone": "9123 4567"}, "phone_needs_country_code"),
    ({"phone": "+852 123"}, "phone_invalid"),
    ({"id_number": "A123456(4)"}, "id_number_checksum"),
    ({"id_type": "passport"}, "id_type_invalid"),
    ({"id_type": "home_return_permit", "id_number": "12345678"}, "id_number_format"),
    ({"applicant_name": ""}, "name_length"),
    ({"language": "fr"}, "invalid_language"),
])
def test_bad_bookings_are_refused_with_a_code(service: RunningService, changes: dict[str, str],
                                              code: str) -> None:
    answer = book(service, **changes)
    assert 400 <= answer.status_code < 500 and error_code(answer) == code


def test_malformed_requests(service: RunningService) -> None:
    headers = {"Idempotency-Key": "malformed-0001"}
    not_json = service.call("POST", BOOK, data=b"{not json", headers=dict(headers))
    assert error_code(not_json) == "invalid_json"
    extra = service.call("POST", BOOK, json={**booking_request(), "admin": "yes"},
                         headers=dict(headers))
    assert error_code(extra) == "invalid_fields"
    no_key = service.call("POST", BOOK, json=booking_request())
    assert error_code(no_key) == "idempotency_key_required"
    huge = service.call("POST", BOOK, data=b"x" * 20000, headers=dict(headers))
    assert huge.status_code == 413 and error_code(huge) == "body_too_large"


def test_no_partial_rows_after_refusals(service: RunningService) -> None:
    book(service, phone="garbage")
    book(service, slot="2026-12-05T09:00+08:00")
    with create_engine(service.database).connect() as connection:
        assert connection.execute(text("select count(*) from bookings")).scalar() == 0
        assert connection.execute(text("select coalesce(sum(booked), 0) from slot_usage")
                                  ).scalar() == 0


def test_a_token_is_required(service: RunningService) -> None:
    missing = service.call("GET", "/v1/slots", token="", params={"service": "x"})
    wrong = service.call("POST", BOOK, token="guess", json=booking_request())
    assert missing.status_code == wrong.status_code == 401
    assert missing.headers["WWW-Authenticate"] == "Bearer"


def test_personal_data_is_deleted_after_30_days(service: RunningService) -> None:
    reference = book(service).json()["reference"]
    store = BookingStore(service.database)
    assert store.purge_personal_data(service.clock.now + timedelta(days=20)) == 0
    assert store.purge_personal_data(service.clock.now + timedelta(days=31)) == 1
    with create_engine(service.database).connect() as connection:
        row = connection.execute(text("select applicant_name, phone, id_number, status "
                                      "from bookings where reference = :r"),
                                 {"r": reference}).one()
    assert tuple(row) == (None, None, None, "booked")


def test_bookings_survive_a_restart_of_the_real_service(tmp_path: Path) -> None:
    """The command `make run` starts, restarted on the same database."""
    env = {**os.environ, "BOOKING_API_TOKEN": TOKEN, "PYTHONPATH": str(REPO_ROOT),
           "BOOKING_DATABASE_URL": f"sqlite:///{tmp_path / 'booking.db'}"}

    def run_service() -> tuple[subprocess.Popen[bytes], str]:
        port = free_port()
        process = subprocess.Popen([sys.executable, "-m", "bot.booking", "serve", "--port",
                                    str(port)], env=env, cwd=REPO_ROOT)
        url = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if requests.get(f"{url}/health", timeout=1).ok:
                    return process, url
            except requests.ConnectionError:
                time.sleep(0.1)
        raise AssertionError("the booking service did not start")

    auth = {"Authorization": f"Bearer {TOKEN}"}
    process, url = run_service()
    try:
        slots = requests.get(f"{url}/v1/slots", headers=auth, timeout=10, params={
            "service": "property_registration", "from": datetime.now().date().isoformat(),
            "to": (datetime.now() + timedelta(days=10)).date().isoformat()}).json()["slots"]
        created = requests.post(f"{url}{BOOK}", timeout=10, json=booking_request(
            slot=slots[0]["start"]), headers={**auth, "Idempotency-Key": "restart-0001"}).json()
    finally:
        process.terminate()
        process.wait(10)
    process, url = run_service()
    try:
        found = requests.post(f"{url}{BOOK}/{created['reference']}/lookup", headers=auth,
                              json={"phone": "+85291234567"}, timeout=10)
        assert found.status_code == 200 and found.json() == created
    finally:
        process.terminate()
        process.wait(10)
