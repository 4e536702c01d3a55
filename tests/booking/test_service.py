"""The booking service over real HTTP: every endpoint, validation, auth, idempotency, capacity,
and the concurrency guarantees on SQLite and PostgreSQL (the `one_place_service` fixture)."""

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
from sqlalchemy.exc import IntegrityError

from bot.booking.schedule import default_schedule
from bot.booking.service import BookingApi
from bot.booking.store import BookingStore
from bot.booking.tables import bookings
from bot.catalog import default_catalog
from bot.local_servers import free_port
from bot.paths import REPO_ROOT
from tests.booking.conftest import (
    SPEC,
    TOKEN,
    RunningService,
    booking_request,
)

BOOK = "/v1/bookings"
LOOKUP = "/v1/bookings/{reference}/lookup"
CANCEL = "/v1/bookings/{reference}/cancel"
MOVE = "/v1/bookings/{reference}/move"
BY_KEY = "/v1/bookings/by-key"
PHONE = "+85291234567"


def book(running: RunningService, key: str | None = None, **changes: str) -> requests.Response:
    return running.call("POST", BOOK, json=booking_request(**changes),
                        headers={"Idempotency-Key": key or uuid.uuid4().hex})


def error_code(answer: requests.Response) -> str:
    return answer.json()["error"]["code"]


def cancel(running: RunningService, reference: str, phone: str = PHONE) -> requests.Response:
    return running.call("POST", f"{BOOK}/{reference}/cancel", template=CANCEL,
                        json={"phone": phone})


def move(running: RunningService, reference: str, slot: str, phone: str = PHONE
         ) -> requests.Response:
    return running.call("POST", f"{BOOK}/{reference}/move", template=MOVE,
                        json={"phone": phone, "slot": slot})


def places_taken(running: RunningService) -> dict[str, int]:
    with create_engine(running.database).connect() as connection:
        return {row.slot_start: row.booked for row in connection.execute(
            text("select slot_start, booked from slot_usage where booked > 0"))}


def count_bookings(running: RunningService) -> int:
    with create_engine(running.database).connect() as connection:
        return connection.execute(text("select count(*) from bookings")).scalar()


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
    assert booking["applicant_name"] == "陳**"
    assert booking["slot"] == {"start": "2026-12-01T14:30+08:00", "end": "2026-12-01T15:00+08:00"}
    reference = booking["reference"]
    found = service.call("POST", f"{BOOK}/{reference}/lookup", template=LOOKUP,
                         json={"phone": "85291234567"})
    assert found.status_code == 200 and found.json() == booking
    wrong_phone = service.call("POST", f"{BOOK}/{reference}/lookup", template=LOOKUP,
                               json={"phone": "+852 6123 9876"})
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


def test_a_retry_typed_in_another_script_returns_the_same_reference(
        one_place_service: RunningService) -> None:
    first = book(one_place_service, key="script-key-0001", language="zh-Hant")
    for language in ("en", "zh-Hans"):
        retry = book(one_place_service, key="script-key-0001", language=language)
        assert retry.status_code == 200
        assert retry.json()["reference"] == first.json()["reference"]
    assert count_bookings(one_place_service) == 1


def test_twenty_simultaneous_requests_with_one_key_make_one_booking(
        one_place_service: RunningService) -> None:
    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(lambda _: book(one_place_service, key="one-key-000001"),
                                range(20)))
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200] * 19 + [201]
    assert len({answer.json()["reference"] for answer in answers}) == 1
    assert count_bookings(one_place_service) == 1


def test_twenty_parallel_cancels_give_the_place_back_once(
        one_place_service: RunningService) -> None:
    reference = book(one_place_service).json()["reference"]
    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(lambda _: cancel(one_place_service, reference), range(20)))
    assert {answer.status_code for answer in answers} == {200}
    assert places_taken(one_place_service) == {}
    with ThreadPoolExecutor(2) as pool:  # one place: exactly one of two new bookings gets it
        racing = list(pool.map(lambda phone: book(one_place_service, phone=phone),
                               ["+85261234567", "+85366123456"]))
    assert sorted(answer.status_code for answer in racing) == [201, 409]
    assert places_taken(one_place_service) == {"2026-12-01T14:30+08:00": 1}


def test_replaying_the_key_of_a_cancelled_booking_says_cancelled(service: RunningService) -> None:
    reference = book(service, key="cancelled-key-01").json()["reference"]
    cancel(service, reference)
    replay = book(service, key="cancelled-key-01")
    assert replay.status_code == 200
    assert replay.json()["reference"] == reference and replay.json()["status"] == "cancelled"


def test_a_lost_answer_is_found_by_its_key(service: RunningService) -> None:
    missing = service.call("POST", BY_KEY, json={"idempotency_key": "lost-answer-01"})
    assert missing.status_code == 404 and error_code(missing) == "not_found"
    reference = book(service, key="lost-answer-01").json()["reference"]
    found = service.call("POST", BY_KEY, json={"idempotency_key": "lost-answer-01"})
    assert found.status_code == 200 and found.json()["reference"] == reference
    assert error_code(service.call("POST", BY_KEY, json={"idempotency_key": 7})) == (
        "idempotency_key_required")


def test_the_fourth_active_booking_of_one_person_is_refused(
        service_on_both: RunningService) -> None:
    running = service_on_both
    slots = ["2026-12-02T09:00+08:00", "2026-12-02T09:30+08:00", "2026-12-02T10:00+08:00",
             "2026-12-02T10:30+08:00"]
    made = [book(running, slot=slot) for slot in slots[:3]]  # one HKID, one phone
    assert {answer.status_code for answer in made} == {201}
    same_id = book(running, slot=slots[3], phone="+85261234567")
    assert same_id.status_code == 409 and error_code(same_id) == "too_many_bookings"
    same_phone = book(running, slot=slots[3], id_type="macau_id", id_number="1234567(8)")
    assert same_phone.status_code == 409 and error_code(same_phone) == "too_many_bookings"
    cancel(running, made[0].json()["reference"])
    assert book(running, slot=slots[3], phone="+85261234567").status_code == 201


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
    ({"phone": "6612 3456"}, "phone_needs_country_code"),
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


def test_personal_data_and_the_fingerprint_are_deleted_after_30_days(service: RunningService
                                                                      ) -> None:
    reference = book(service, key="purged-key-0001").json()["reference"]
    store = BookingStore(service.database)
    assert store.purge_personal_data(service.clock.now + timedelta(days=20), 30) == 0
    assert store.purge_personal_data(service.clock.now + timedelta(days=31), 30) == 1
    with create_engine(service.database).connect() as connection:
        row = connection.execute(text("select applicant_name, phone, id_number, status, "
                                      "request_fingerprint from bookings where reference = :r"),
                                 {"r": reference}).one()
    assert tuple(row) == (None, None, None, "booked", "")
    assert error_code(book(service, key="purged-key-0001")) == "idempotency_key_reused"


def test_database_errors_hide_their_parameters(tmp_path: Path) -> None:
    store = BookingStore(f"sqlite:///{tmp_path / 'errors.db'}")
    row = {"reference": "JM-AAAA-CCCC", "idempotency_key": "k" * 10, "request_fingerprint": "f",
           "service_id": "s", "slot_start": "x", "language": "en", "status": "booked",
           "applicant_name": "陳大文", "phone": PHONE, "id_number": "A1234563", "created_at": "x"}
    with store.engine.begin() as connection:
        connection.execute(bookings.insert().values(**row))
    with pytest.raises(IntegrityError) as raised, store.engine.begin() as connection:
        connection.execute(bookings.insert().values(**row))
    assert "A1234563" not in str(raised.value) and PHONE not in str(raised.value)
    assert "hide_parameters" in str(raised.value)


def test_moving_keeps_the_reference_and_swaps_the_places(service: RunningService) -> None:
    booking = book(service).json()
    moved = move(service, booking["reference"], "2026-12-03T10:00+08:00")
    assert moved.status_code == 200
    assert moved.json()["slot"]["start"] == "2026-12-03T10:00+08:00"
    assert moved.json()["reference"] == booking["reference"]
    assert places_taken(service) == {"2026-12-03T10:00+08:00": 1}
    again = move(service, booking["reference"], "2026-12-03T10:00+08:00")  # a double tap
    assert again.status_code == 200 and places_taken(service) == {"2026-12-03T10:00+08:00": 1}
    assert error_code(move(service, booking["reference"], "2026-12-05T10:00+08:00")) == (
        "closed_day")
    assert error_code(move(service, booking["reference"], "2026-12-03T10:00+08:00",
                           phone="+85261234567")) == "not_found"
    cancel(service, booking["reference"])
    assert error_code(move(service, booking["reference"], "2026-12-04T10:00+08:00")) == (
        "booking_cancelled")


def test_a_move_to_a_full_slot_changes_nothing(one_place_service: RunningService) -> None:
    mine = book(one_place_service).json()["reference"]
    book(one_place_service, slot="2026-12-03T10:00+08:00", phone="+85261234567",
         id_number="Z683365(A)")
    full = move(one_place_service, mine, "2026-12-03T10:00+08:00")
    assert full.status_code == 409 and error_code(full) == "slot_full"
    assert places_taken(one_place_service) == {"2026-12-01T14:30+08:00": 1,
                                               "2026-12-03T10:00+08:00": 1}
    one_place_service.clock.now += timedelta(hours=5)
    assert error_code(move(one_place_service, mine, "2026-12-04T10:00+08:00")) == (
        "too_late_to_move")


def booked_per_slot(running: RunningService) -> dict[str, int]:
    with create_engine(running.database).connect() as connection:
        return dict(connection.execute(text(
            "select slot_start, count(*) from bookings where status = 'booked' "
            "group by slot_start")).all())


def test_parallel_moves_keep_every_count_right(service_on_both: RunningService) -> None:
    """Opposite moves (A: X->Y while B: Y->X) lock the two slots in one order, so they cannot
    deadlock; racing moves of one booking leave it in exactly one slot."""
    running = service_on_both
    x, y = "2026-12-03T09:00+08:00", "2026-12-03T09:30+08:00"
    a = book(running, slot=x).json()["reference"]
    b = book(running, slot=y, phone="+85261234567", id_number="Z683365(A)").json()["reference"]
    others = [f"2026-12-04T{hour:02d}:{minute:02d}+08:00" for hour in (9, 10, 11)
              for minute in (0, 30)]
    calls = [(a, y, PHONE), (b, x, "+85261234567"), (a, x, PHONE), (b, y, "+85261234567")] * 5
    calls += [(a, slot, PHONE) for slot in others]
    with ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(lambda call: move(running, call[0], call[1], call[2]), calls))
    assert {answer.status_code for answer in answers} <= {200, 409}
    assert places_taken(running) == booked_per_slot(running)
    assert sum(places_taken(running).values()) == 2


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
