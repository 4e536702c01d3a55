"""The clerks' pages: one day's sessions per slot, a booking with its history, the changes a clerk
makes (outcome, cancel, move), revealing a phone for a call, and the day's exports."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from aiohttp import web

from bot.blocking import off_loop
from bot.booking.schedule import BEIJING
from bot.booking.store import NotFound
from bot.booking.tables import BOOKED, timestamp
from bot.staff import exports
from bot.staff.bookings import DeskConflict
from bot.staff.notices import notices_of
from bot.staff.notify import Notifier
from bot.staff.tables import OUTCOMES, REASONS
from bot.staff.web import Desk, DeskError, desk_of, form_of, redirect, render, requires

REFERENCE = re.compile(r"^JM-[A-Z0-9]{4}-[A-Z0-9]{4}$")
MOVE_CHOICES = 60  # free slots offered when moving a booking


@dataclass
class SlotRow:
    start: datetime
    capacity: int
    closed: bool
    offered: bool
    bookings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def taken(self) -> int:
        return sum(b["status"] == BOOKED for b in self.bookings)

    @property
    def stranded(self) -> bool:
        """Live bookings in a slot that is closed, gone, or over its places."""
        return self.taken > 0 and (self.closed or not self.offered or self.taken > self.capacity)


def parse_day(text: str | None, desk: Desk) -> date:
    if not text:
        return desk.clock().astimezone(BEIJING).date()
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise DeskError(400, "invalid_date") from error


def parse_slot(text: str) -> datetime:
    try:
        slot = datetime.fromisoformat(text)
    except ValueError as error:
        raise DeskError(400, "invalid_time") from error
    return (slot if slot.tzinfo else slot.replace(tzinfo=BEIJING)).astimezone(BEIJING)


def slot_rows(desk: Desk, day: date) -> list[SlotRow]:
    """Every slot of the day with its bookings, and any booking at a time the day no longer has."""
    table = desk.bookings.timetable()
    offered = {timestamp(s) for s in table.slots_on(day)}
    rows = {timestamp(s): SlotRow(s, table.capacity_at(s), table.is_closed(s), timestamp(s) in offered)
            for s in table.all_slots_on(day)}
    for booking in desk.bookings.day(day):
        key = timestamp(booking["slot_start"])
        if key not in rows:
            rows[key] = SlotRow(booking["slot_start"], 0, True, False)
        rows[key].bookings.append(booking)
    return [rows[key] for key in sorted(rows)]


@requires("clerk")
async def day_page(request: web.Request) -> web.Response:
    desk = desk_of(request)
    day = parse_day(request.query.get("date"), desk)
    rows = await off_loop(slot_rows, desk, day)
    table = await off_loop(desk.bookings.timetable)
    return render(request, "day.html", day=day, rows=rows, note=table.day_notes.get(day),
                  open_day=table.is_open_on(day), previous=day - timedelta(days=1),
                  next=day + timedelta(days=1), catalog=desk.catalog)


async def _booking(request: web.Request) -> dict[str, Any]:
    reference = request.match_info["reference"].upper()
    if not REFERENCE.match(reference):
        raise DeskError(404, "error_404")
    try:
        return await off_loop(desk_of(request).bookings.get, reference)
    except NotFound as missing:
        raise DeskError(404, "error_404") from missing


def free_slots(desk: Desk, now: datetime) -> list[tuple[datetime, int]]:
    """Future slots with a free place, for moving a booking (the centre needs no notice period)."""
    table = desk.bookings.timetable()
    today = now.astimezone(BEIJING).date()
    starts = [s for offset in range(table.max_days_ahead + 1)
              for s in table.slots_on(today + timedelta(days=offset)) if s > now]
    taken = desk.bookings.usage(starts)
    free = [(s, table.capacity_at(s) - taken.get(timestamp(s), 0)) for s in starts]
    return [(s, left) for s, left in free if left > 0][:MOVE_CHOICES]


async def _booking_page(request: web.Request, booking: dict[str, Any], status: int = 200,
                        **extra: Any) -> web.Response:
    desk = desk_of(request)
    reference = booking["reference"]
    history = await off_loop(desk.bookings.history, reference)
    notices = await off_loop(notices_of, desk.engine, reference)
    choices = await off_loop(free_slots, desk, desk.clock()) if booking["status"] == BOOKED else []
    return render(request, "booking.html", status=status, booking=booking, history=history,
                  notices=notices, choices=choices, reasons=REASONS, catalog=desk.catalog, **extra)


@requires("clerk")
async def booking_page(request: web.Request) -> web.Response:
    return await _booking_page(request, await _booking(request))


@requires("clerk")
async def reveal_phone(request: web.Request) -> web.Response:
    desk = desk_of(request)
    booking = await _booking(request)
    try:
        phone = await off_loop(desk.bookings.reveal_phone, booking["reference"],
                               request["user"].name, desk.clock())
    except DeskConflict as conflict:
        raise DeskError(409, f"conflict_{conflict.code}") from conflict
    return await _booking_page(request, booking, full_phone=phone)


def _back(form: dict[str, str], booking: dict[str, Any]) -> str:
    return f"/day?date={booking['slot_start'].date().isoformat()}" if form.get("back") != "booking" \
        else f"/bookings/{booking['reference']}"


@requires("clerk")
async def mark_outcome(request: web.Request) -> web.Response:
    desk = desk_of(request)
    booking, form = await _booking(request), await form_of(request)
    outcome = form.get("outcome", "")
    if outcome not in OUTCOMES:
        raise DeskError(400, "invalid_choice", field=request["wording"]("col_status"))
    try:
        await off_loop(desk.bookings.mark, booking["reference"], outcome, request["user"].name,
                       desk.clock())
    except DeskConflict as conflict:
        raise DeskError(409, f"conflict_{conflict.code}") from conflict
    return redirect(request, _back(form, booking), f"done_{outcome}", reference=booking["reference"])


def _reason_and_note(request: web.Request, form: dict[str, str]) -> tuple[str, str]:
    wording = request["wording"]
    reason, note = form.get("reason", ""), form.get("note", "").strip()
    if reason not in REASONS:
        raise DeskError(400, "conflict_invalid_reason")
    if len(note) > 200:
        raise DeskError(400, "invalid_text", field=wording("cancel_note"), length=200)
    return reason, note


def _notifier(request: web.Request) -> Notifier:
    return desk_of(request).services["notifier"]


@requires("clerk")
async def cancel(request: web.Request) -> web.Response:
    desk = desk_of(request)
    booking, form = await _booking(request), await form_of(request)
    reason, note = _reason_and_note(request, form)
    try:
        before = await off_loop(desk.bookings.cancel, booking["reference"], reason, note,
                                request["user"].name, desk.clock())
    except DeskConflict as conflict:
        raise DeskError(409, f"conflict_{conflict.code}") from conflict
    status = await _notifier(request).booking_changed("cancelled", before, reason=reason)
    notice = request["wording"](f"notice_statuses.{status}")
    return redirect(request, _back(form, booking), "done_cancelled",
                    reference=booking["reference"], notice=notice)


@requires("clerk")
async def move(request: web.Request) -> web.Response:
    desk = desk_of(request)
    booking, form = await _booking(request), await form_of(request)
    reason, note = _reason_and_note(request, form)
    new_slot = parse_slot(form.get("slot", ""))
    try:
        before = await off_loop(desk.bookings.move, booking["reference"], new_slot, reason, note,
                                request["user"].name, desk.clock())
    except DeskConflict as conflict:
        raise DeskError(409, f"conflict_{conflict.code}") from conflict
    status = await _notifier(request).booking_changed("moved", before, reason=reason,
                                                      new_slot=new_slot)
    notice = request["wording"](f"notice_statuses.{status}")
    return redirect(request, _back(form, booking), "done_moved", reference=booking["reference"],
                    slot=new_slot.strftime("%m-%d %H:%M"), notice=notice)


async def _export_rows(request: web.Request) -> tuple[date, list[dict[str, Any]]]:
    desk = desk_of(request)
    day = parse_day(request.query.get("date"), desk)
    return day, await off_loop(desk.bookings.day, day)


@requires("clerk")
async def day_csv(request: web.Request) -> web.Response:
    day, rows = await _export_rows(request)
    body = exports.day_csv(rows, desk_of(request).catalog, request["wording"])
    return web.Response(body=body, content_type="text/csv", charset="utf-8", headers={
        "Content-Disposition": f'attachment; filename="video-sessions-{day.isoformat()}.csv"'})


@requires("clerk")
async def day_ics(request: web.Request) -> web.Response:
    day, rows = await _export_rows(request)
    desk = desk_of(request)
    table = await off_loop(desk.bookings.timetable)
    body = exports.day_ics(rows, desk.catalog, request["wording"], table.slot_minutes, desk.clock())
    return web.Response(body=body, content_type="text/calendar", charset="utf-8", headers={
        "Content-Disposition": f'attachment; filename="video-sessions-{day.isoformat()}.ics"'})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/day", day_page)
    app.router.add_get("/day.csv", day_csv)
    app.router.add_get("/day.ics", day_ics)
    app.router.add_get("/bookings/{reference}", booking_page)
    app.router.add_post("/bookings/{reference}/reveal-phone", reveal_phone)
    app.router.add_post("/bookings/{reference}/outcome", mark_outcome)
    app.router.add_post("/bookings/{reference}/cancel", cancel)
    app.router.add_post("/bookings/{reference}/move", move)
