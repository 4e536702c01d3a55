"""The booking API as the custom actions see it: plain HTTP with ``requests``.

Pointing BOOKING_API_URL at the bureau's own system is configuration, not code. Every call has a
timeout; creating a booking is retried once with the same Idempotency-Key, so a retry can never
book twice. Failures come out as two kinds: ``BookingUnavailable`` (down, slow, 5xx: try again
later) and ``BookingRejected`` (4xx: the request itself is wrong, with the API's code).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import requests

DEFAULT_TIMEOUT = 5.0


class BookingUnavailable(Exception):
    """The booking service did not answer in time or failed on its side."""


class BookingRejected(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message


@dataclass(frozen=True)
class Slot:
    start: datetime
    end: datetime
    available: int


class BookingClient:
    def __init__(self, base_url: str, token: str, timeout: float = DEFAULT_TIMEOUT,
                 session: requests.Session | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = session or requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    @classmethod
    def from_environment(cls) -> BookingClient:
        return cls(os.environ.get("BOOKING_API_URL", "http://127.0.0.1:5056"),
                   os.environ.get("BOOKING_API_TOKEN", ""),
                   float(os.environ.get("BOOKING_API_TIMEOUT", DEFAULT_TIMEOUT)))

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            answer = self.session.request(method, f"{self.base_url}{path}",
                                          timeout=self.timeout, **kwargs)
        except requests.RequestException as error:
            raise BookingUnavailable(str(error)) from error
        if answer.status_code >= 500:
            raise BookingUnavailable(f"{answer.status_code} from the booking service")
        try:
            body = answer.json()
        except ValueError as error:
            raise BookingUnavailable("the booking service did not answer JSON") from error
        if answer.status_code >= 400:
            error_body = body.get("error") or {} if isinstance(body, dict) else {}
            raise BookingRejected(answer.status_code, error_body.get("code", "rejected"),
                                  error_body.get("message", ""))
        return body

    def available_slots(self, service_id: str, first_day: date, last_day: date) -> list[Slot]:
        body = self._call("GET", "/v1/slots", params={
            "service": service_id, "from": first_day.isoformat(), "to": last_day.isoformat()})
        return [Slot(datetime.fromisoformat(s["start"]), datetime.fromisoformat(s["end"]),
                     s["available"]) for s in body["slots"]]

    def create(self, booking: dict[str, str], idempotency_key: str) -> dict[str, Any]:
        """Books; on no answer, asks once more with the same key (never a second booking)."""
        headers = {"Idempotency-Key": idempotency_key}
        try:
            return self._call("POST", "/v1/bookings", json=booking, headers=headers)
        except BookingUnavailable:
            return self._call("POST", "/v1/bookings", json=booking, headers=headers)

    def lookup(self, reference: str, phone: str) -> dict[str, Any]:
        return self._call("POST", f"/v1/bookings/{_path(reference)}/lookup", json={"phone": phone})

    def cancel(self, reference: str, phone: str) -> dict[str, Any]:
        return self._call("POST", f"/v1/bookings/{_path(reference)}/cancel", json={"phone": phone})


def _path(reference: str) -> str:
    return requests.utils.quote(reference.strip().upper(), safe="")
