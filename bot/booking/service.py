"""The booking service: an HTTP API for 视频办 appointments (documented in openapi.yml).

The action server only talks to it over HTTP, so the bureau's own system can later stand behind
the same API (BOOKING_API_URL). Every error is a JSON body ``{"error": {"code", "message"}}``
with a 4xx status; names and personal numbers are masked in responses and logs.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from typing import Any

from aiohttp import web

from bot.booking.answers import (
    ApiError,
    error_response,
    not_found,
    public_view,
    slot_full,
    slot_reason,
)
from bot.booking.identity import (
    InvalidValue,
    parse_id_number,
    parse_name,
    parse_phone,
)
from bot.booking.schedule import Schedule, beijing_now
from bot.booking.store import (
    AlreadyStarted,
    BookingCancelled,
    BookingStore,
    IdempotencyConflict,
    Limits,
    NewBooking,
    NotFound,
    SlotFull,
    TooManyBookings,
)
from bot.catalog.model import Catalog, Service
from bot.privacy import mask

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 16 * 1024
MAX_RANGE_DAYS = 31
LANGUAGES = ("zh-Hant", "zh-Hans", "en")
BOOKING_FIELDS = {"service", "slot", "applicant_name", "phone", "id_type", "id_number", "language"}
Clock = Callable[[], datetime]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class BookingApi:
    def __init__(self, store: BookingStore, schedule: Schedule, catalog: Catalog, token: str,
                 clock: Clock = beijing_now) -> None:
        if not token:
            raise ValueError("the booking API needs a bearer token (BOOKING_API_TOKEN)")
        self.store, self.schedule, self.catalog = store, schedule, catalog
        self.token, self.clock = token, clock

    def app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY_BYTES,
                              middlewares=[self._errors, self._authorise])
        app.router.add_get("/health", self.health)
        app.router.add_get("/v1/slots", self.slots)
        app.router.add_post("/v1/bookings", self.create)
        app.router.add_post("/v1/bookings/by-key", self.by_key)
        app.router.add_post("/v1/bookings/{reference}/lookup", self.lookup)
        app.router.add_post("/v1/bookings/{reference}/cancel", self.cancel)
        app.router.add_post("/v1/bookings/{reference}/move", self.move)
        return app

    @web.middleware
    async def _errors(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except ApiError as error:
            return error_response(error.status, error.code, error.message)
        except web.HTTPRequestEntityTooLarge:
            return error_response(413, "body_too_large",
                                  f"the body is larger than {MAX_BODY_BYTES} bytes")
        except web.HTTPException as error:
            return error_response(error.status, error.reason.lower().replace(" ", "_"),
                                  error.reason)
        except Exception:
            logger.exception("booking API error on %s %s", request.method, request.path)
            return error_response(500, "internal_error", "unexpected error; nothing was saved")

    @web.middleware
    async def _authorise(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith("/v1/"):
            given = request.headers.get("Authorization", "")
            expected = f"Bearer {self.token}"
            if not hmac.compare_digest(given.encode(), expected.encode()):
                raise ApiError(401, "unauthorized", "a valid bearer token is required")
        return await handler(request)

    async def health(self, _: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def _run(self, function: Callable[..., Any], *args: Any) -> Any:
        """Database work off the event loop, so one slow query does not stall other requests."""
        return await asyncio.get_running_loop().run_in_executor(None, function, *args)

    async def _json_body(self, request: web.Request) -> dict[str, Any]:
        raw = await request.read()
        try:
            body = json.loads(raw or b"")
        except ValueError as error:
            raise ApiError(400, "invalid_json", "the body must be JSON") from error
        if not isinstance(body, dict):
            raise ApiError(400, "invalid_json", "the body must be a JSON object")
        return body

    def _service(self, service_id: Any) -> Service:
        service = self.catalog.services.get(service_id) if isinstance(service_id, str) else None
        if service is None:
            raise ApiError(400, "unknown_service", f"no service with id {service_id!r}")
        if not service.video_session_possible:
            raise ApiError(422, "service_not_video",
                           f"{service_id} cannot be handled in a video session")
        return service

    async def slots(self, request: web.Request) -> web.Response:
        self._service(request.query.get("service"))
        first, last = _date_param(request, "from"), _date_param(request, "to")
        if last < first or (last - first).days > MAX_RANGE_DAYS:
            raise ApiError(400, "invalid_range",
                           f"'to' must be on or after 'from', at most {MAX_RANGE_DAYS} days later")
        starts = list(self.schedule.bookable_slots(self.clock(), first, last))
        # the timetable's slots are in Beijing time, so their ISO text is their key in the store
        keys = [start.isoformat(timespec="minutes") for start in starts]
        taken = await self._run(self.store.usage_by_key, keys)
        step = timedelta(minutes=self.schedule.slot_minutes)
        free = []
        for start, key in zip(starts, keys, strict=True):
            left = self.schedule.capacity_at(start) - taken.get(key, 0)
            if left > 0:
                free.append({"start": key, "end": (start + step).isoformat(timespec="minutes"),
                             "available": left})
        return web.json_response({"timezone": "+08:00", "slots": free})

    async def create(self, request: web.Request) -> web.Response:
        key = request.headers.get("Idempotency-Key", "").strip()
        if not 8 <= len(key) <= 128:
            raise ApiError(400, "idempotency_key_required",
                           "send an Idempotency-Key header of 8 to 128 characters")
        new_booking = self._new_booking(await self._json_body(request))
        limits = Limits(self.schedule.capacity_at(new_booking.slot_start),
                        self.schedule.max_active_per_person)
        try:
            row, created = await self._run(self.store.create, new_booking, key, limits,
                                           self.clock())
        except SlotFull as full:
            raise slot_full() from full
        except TooManyBookings as too_many:
            raise ApiError(409, "too_many_bookings",
                           f"an ID document or phone may hold at most "
                           f"{self.schedule.max_active_per_person} upcoming bookings") from too_many
        except IdempotencyConflict as conflict:
            raise ApiError(422, "idempotency_key_reused",
                           "this Idempotency-Key was used for a different request") from conflict
        if created:
            logger.info("booked %s for %s at %s, ID %s", row["reference"], row["service_id"],
                        row["slot_start"], mask(row["id_number"]))
        return web.json_response(public_view(row, self.schedule), status=201 if created else 200)

    def _new_booking(self, body: dict[str, Any]) -> NewBooking:
        unknown = set(body) - BOOKING_FIELDS
        missing = BOOKING_FIELDS - set(body)
        if unknown or missing:
            raise ApiError(400, "invalid_fields", f"missing {sorted(missing)}; unknown {sorted(unknown)}")
        if not all(isinstance(body[field], str) for field in BOOKING_FIELDS):
            raise ApiError(400, "invalid_fields", "every field is a string")
        service = self._service(body["service"])
        slot = self._bookable_slot(body["slot"])
        if body["language"] not in LANGUAGES:
            raise ApiError(400, "invalid_language", f"language is one of {LANGUAGES}")
        try:
            return NewBooking(
                service_id=service.id, slot_start=slot, language=body["language"],
                applicant_name=parse_name(body["applicant_name"]),
                phone=parse_phone(body["phone"]).e164, id_type=body["id_type"],
                id_number=parse_id_number(body["id_type"], body["id_number"]))
        except InvalidValue as invalid:
            raise ApiError(400, invalid.code, str(invalid)) from invalid

    def _bookable_slot(self, value: Any) -> datetime:
        slot = _slot(value)
        reason = self.schedule.why_not_bookable(slot, self.clock())
        if reason:
            raise ApiError(422, reason, slot_reason(reason, self.schedule))
        return slot

    def _reference_and_phone(self, request: web.Request, body: dict[str, Any]) -> tuple[str, str]:
        try:
            phone = parse_phone(str(body.get("phone", ""))).e164
        except InvalidValue as invalid:
            raise ApiError(400, invalid.code, str(invalid)) from invalid
        return request.match_info["reference"].strip().upper(), phone

    async def by_key(self, request: web.Request) -> web.Response:
        """What a booking request with this key made: the answer to "did my booking go through?"
        when the first answer was lost (a timeout, a 5xx)."""
        key = (await self._json_body(request)).get("idempotency_key")
        if not isinstance(key, str) or not 8 <= len(key.strip()) <= 128:
            raise ApiError(400, "idempotency_key_required",
                           "send the Idempotency-Key of the booking request (8 to 128 characters)")
        try:
            row = await self._run(self.store.find_by_key, key.strip())
        except NotFound as missing:
            raise ApiError(404, "not_found", "no booking was made with this key") from missing
        return web.json_response(public_view(row, self.schedule))

    async def lookup(self, request: web.Request) -> web.Response:
        reference, phone = self._reference_and_phone(request, await self._json_body(request))
        try:
            row = await self._run(self.store.find, reference, phone)
        except NotFound as missing:
            raise not_found() from missing
        return web.json_response(public_view(row, self.schedule))

    async def cancel(self, request: web.Request) -> web.Response:
        reference, phone = self._reference_and_phone(request, await self._json_body(request))
        try:
            row = await self._run(self.store.cancel, reference, phone, self.clock())
        except NotFound as missing:
            raise not_found() from missing
        except AlreadyStarted as late:
            raise ApiError(409, "too_late_to_cancel", "the session has already started") from late
        logger.info("cancelled %s", row["reference"])
        return web.json_response(public_view(row, self.schedule))

    async def move(self, request: web.Request) -> web.Response:
        body = await self._json_body(request)
        reference, phone = self._reference_and_phone(request, body)
        slot = self._bookable_slot(body.get("slot"))
        try:
            row = await self._run(self.store.move, reference, phone, slot,
                                  self.schedule.capacity_at(slot), self.clock())
        except NotFound as missing:
            raise not_found() from missing
        except SlotFull as full:
            raise slot_full() from full
        except BookingCancelled as cancelled:
            raise ApiError(409, "booking_cancelled", "a cancelled booking cannot be moved"
                           ) from cancelled
        except AlreadyStarted as late:
            raise ApiError(409, "too_late_to_move", "the session has already started") from late
        logger.info("moved %s to %s", row["reference"], row["slot_start"])
        return web.json_response(public_view(row, self.schedule))


def _date_param(request: web.Request, name: str) -> date:
    try:
        return date.fromisoformat(request.query[name])
    except (KeyError, ValueError) as error:
        raise ApiError(400, "invalid_date", f"'{name}' must be a date like 2026-12-03") from error


def _slot(text: Any) -> datetime:
    try:
        slot = datetime.fromisoformat(text)
    except (TypeError, ValueError) as error:
        raise ApiError(400, "invalid_slot", "slot must be like 2026-12-03T09:30+08:00") from error
    if slot.tzinfo is None:
        raise ApiError(400, "invalid_slot", "slot needs its UTC offset, e.g. +08:00")
    return slot
