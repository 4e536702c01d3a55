"""The booking API as the custom actions see it: async HTTP (aiohttp), never blocking the action
server's event loop.

Pointing BOOKING_API_URL at the bureau's own system is configuration, not code. Each operation has
an overall deadline (BOOKING_API_DEADLINE, 8 s: well under Rasa's action timeout, and about as
long as a person waits for a chat answer); each HTTP attempt inside it has its own timeout
(BOOKING_API_TIMEOUT, 5 s). Creating a booking is retried once with the same Idempotency-Key, so a
retry can never book twice, and when the outcome is still unknown the client asks what the key
made (POST /v1/bookings/by-key) instead of forgetting it.

Failures come out as three kinds: ``BookingUnavailable`` (down, slow, 5xx; nothing was changed,
try again later), ``OutcomeUnknown`` (a booking may have been made: retry with the same key), and
``BookingRejected`` (4xx: the request itself is wrong, with the API's code).
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

import aiohttp

DEFAULT_TIMEOUT = 5.0
DEFAULT_DEADLINE = 8.0


class BookingUnavailable(Exception):
    """The booking service did not answer in time or failed on its side; nothing was changed."""


class OutcomeUnknown(BookingUnavailable):
    """A booking request got no answer and what it made could not be checked either."""


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
                 deadline: float = DEFAULT_DEADLINE) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout, self.deadline = timeout, deadline
        self._headers = {"Authorization": f"Bearer {token}"}
        self._session: aiohttp.ClientSession | None = None
        self._session_loop: asyncio.AbstractEventLoop | None = None

    @classmethod
    def from_environment(cls) -> BookingClient:
        return cls(os.environ.get("BOOKING_API_URL", "http://127.0.0.1:5056"),
                   os.environ.get("BOOKING_API_TOKEN", ""),
                   float(os.environ.get("BOOKING_API_TIMEOUT", DEFAULT_TIMEOUT)),
                   float(os.environ.get("BOOKING_API_DEADLINE", DEFAULT_DEADLINE)))

    def _http(self) -> aiohttp.ClientSession:
        """One connection pool per event loop (the action server has one)."""
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._session_loop is not loop:
            self._session = aiohttp.ClientSession(headers=self._headers)
            self._session_loop = loop
        return self._session

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    def _until(self) -> float:
        return asyncio.get_running_loop().time() + self.deadline

    async def _call(self, method: str, path: str, until: float, **kwargs: Any) -> dict[str, Any]:
        left = min(self.timeout, until - asyncio.get_running_loop().time())
        if left <= 0:
            raise BookingUnavailable("no time left before the deadline")
        try:
            async with self._http().request(method, f"{self.base_url}{path}",
                                            timeout=aiohttp.ClientTimeout(total=left),
                                            **kwargs) as answer:
                status = answer.status
                try:
                    body = await answer.json(content_type=None)
                except ValueError:
                    body = None
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            raise BookingUnavailable(f"{type(error).__name__} from the booking service") from error
        if status >= 500:
            raise BookingUnavailable(f"{status} from the booking service")
        if not isinstance(body, dict):
            raise BookingUnavailable("the booking service did not answer a JSON object")
        if status >= 400:
            error_body = body.get("error") if isinstance(body.get("error"), dict) else {}
            raise BookingRejected(status, str(error_body.get("code", "rejected")),
                                  str(error_body.get("message", "")))
        return body

    async def available_slots(self, service_id: str, first_day: date, last_day: date
                              ) -> list[Slot]:
        body = await self._call("GET", "/v1/slots", self._until(), params={
            "service": service_id, "from": first_day.isoformat(), "to": last_day.isoformat()})
        return [Slot(datetime.fromisoformat(s["start"]), datetime.fromisoformat(s["end"]),
                     s["available"]) for s in body["slots"]]

    async def create(self, booking: dict[str, str], idempotency_key: str) -> dict[str, Any]:
        """Books; on no answer asks once more with the same key (never a second booking); when
        still unanswered, or when the key is refused as reused, returns what the key made."""
        until = self._until()
        headers = {"Idempotency-Key": idempotency_key}
        try:
            try:
                return await self._call("POST", "/v1/bookings", until, json=booking,
                                        headers=headers)
            except BookingUnavailable:
                return await self._call("POST", "/v1/bookings", until, json=booking,
                                        headers=headers)
        except BookingUnavailable as lost:
            return await self._made_with(idempotency_key, until, lost)
        except BookingRejected as rejected:
            if rejected.code != "idempotency_key_reused":
                raise
            return await self._made_with(idempotency_key, until, rejected)

    async def _made_with(self, key: str, until: float, failure: Exception) -> dict[str, Any]:
        try:
            return await self._call("POST", "/v1/bookings/by-key", until,
                                    json={"idempotency_key": key})
        except BookingUnavailable as unanswered:
            raise OutcomeUnknown(str(failure)) from unanswered
        except BookingRejected as missing:
            if isinstance(failure, BookingUnavailable):
                raise BookingUnavailable(f"{failure}; nothing was booked") from missing
            raise failure from missing

    async def lookup(self, reference: str, phone: str) -> dict[str, Any]:
        return await self._call("POST", f"/v1/bookings/{_path(reference)}/lookup", self._until(),
                                json={"phone": phone})

    async def cancel(self, reference: str, phone: str) -> dict[str, Any]:
        return await self._call("POST", f"/v1/bookings/{_path(reference)}/cancel", self._until(),
                                json={"phone": phone})

    async def move(self, reference: str, phone: str, slot: str) -> dict[str, Any]:
        return await self._call("POST", f"/v1/bookings/{_path(reference)}/move", self._until(),
                                json={"phone": phone, "slot": slot})


def _path(reference: str) -> str:
    return quote(reference.strip().upper(), safe="")
