"""The admins' pages: the timetable (settings, holidays and make-up days, single slots) and the
audit log. A change that would strand bookings shows them (409) so they are resolved first."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from aiohttp import web

from bot.blocking import off_loop
from bot.booking.schedule import BEIJING
from bot.booking.tables import timestamp
from bot.staff import audit, timetable_admin
from bot.staff.timetable_admin import NeedsResolving
from bot.staff.web import desk_of, form_of, redirect, render, requires
from bot.staff.wording import Wording

NUMBER_SETTINGS = {  # field: (wording key, lowest, highest)
    "capacity_per_slot": ("setting_capacity", 1, 20),
    "slot_minutes": ("setting_slot_minutes", 5, 120),
    "min_notice_hours": ("setting_min_notice", 0, 72),
    "max_days_ahead": ("setting_max_days", 1, 90),
}


class FormError(Exception):
    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(key)
        self.key, self.values = key, values


def _number(form: dict[str, str], name: str, wording: Wording, low: int, high: int,
            label: str) -> int:
    text = form.get(name, "").strip()
    if not text.isdigit() or not low <= int(text) <= high:
        raise FormError("invalid_number", field=wording(label), low=low, high=high)
    return int(text)


def _clock(text: str) -> time:
    try:
        return time.fromisoformat(text.strip())
    except ValueError as error:
        raise FormError("invalid_time") from error


def settings_from(form: dict[str, str], current: dict[str, Any], wording: Wording) -> dict[str, Any]:
    """The new settings from the form, every field checked; FormError names the first bad one."""
    changes: dict[str, Any] = {name: _number(form, name, wording, low, high, key)
                               for name, (key, low, high) in NUMBER_SETTINGS.items()}
    days = sorted({int(d) for d in form.get("working_days", "").split(",") if d.strip().isdigit()})
    if not days or not set(days) <= set(range(1, 8)):
        raise FormError("invalid_choice", field=wording("setting_working_days"))
    changes["working_days"] = days
    sessions, previous_end = [], time.min
    for session in current["sessions"]:
        start = _clock(form.get(f"{session['name']}_start", ""))
        end = _clock(form.get(f"{session['name']}_end", ""))
        if not previous_end <= start < end:
            raise FormError("invalid_time")
        sessions.append({"name": session["name"], "start": start.strftime("%H:%M"),
                         "end": end.strftime("%H:%M")})
        previous_end = end
    changes["sessions"] = sessions
    return changes


async def _page(request: web.Request, status: int = 200, error: str | None = None) -> web.Response:
    desk = desk_of(request)
    table = await off_loop(desk.bookings.timetable)
    today = desk.clock().astimezone(BEIJING).date()
    days = sorted((d, d in table.open_days, table.day_notes.get(d, ""))
                  for d in (*table.closed_days, *table.open_days) if d >= today)
    now = timestamp(desk.clock())
    slots = sorted(key for key in {*table.closed_slots, *table.slot_capacity} if key >= now)
    return render(request, "timetable.html", status=status, table=table, days=days, slots=slots,
                  error=error, settings=table.settings)


async def _apply(request: web.Request, change: Any) -> web.Response:
    try:
        await off_loop(change, deadline=15)
    except NeedsResolving as refused:
        return render(request, "resolve.html", status=409, stranded=refused.stranded,
                      catalog=desk_of(request).catalog)
    return redirect(request, "/admin/timetable", "timetable_saved")


@requires("admin")
async def timetable_page(request: web.Request) -> web.Response:
    return await _page(request)


@requires("admin")
async def change_settings(request: web.Request) -> web.Response:
    desk, wording = desk_of(request), request["wording"]
    posted = await request.post()  # the weekday checkboxes share one name
    form = {key: str(value) for key, value in posted.items()}
    form["working_days"] = ",".join(str(v) for v in posted.getall("working_days", []))
    table = await off_loop(desk.bookings.timetable)
    try:
        changes = settings_from(form, table.settings, wording)
    except FormError as error:
        return await _page(request, 400, wording(error.key, **error.values))
    user = request["user"].name
    return await _apply(request, lambda: timetable_admin.change_settings(
        desk.engine, user, desk.clock(), **changes))


@requires("admin")
async def change_day(request: web.Request) -> web.Response:
    desk, wording = desk_of(request), request["wording"]
    form = await form_of(request)
    kinds = {"closed": False, "open": True, "reset": None}
    try:
        day = date.fromisoformat(form.get("day", ""))
    except ValueError:
        return await _page(request, 400, wording("invalid_date"))
    if form.get("kind") not in kinds:
        return await _page(request, 400, wording("invalid_choice", field=wording("day_kind")))
    note = form.get("note", "").strip()
    if len(note) > 120:
        return await _page(request, 400, wording("invalid_text", field=wording("day_note_label"),
                                                 length=120))
    user = request["user"].name
    return await _apply(request, lambda: timetable_admin.set_day(
        desk.engine, day, kinds[form["kind"]], note, user, desk.clock()))


@requires("admin")
async def change_slot(request: web.Request) -> web.Response:
    desk, wording = desk_of(request), request["wording"]
    form = await form_of(request)
    try:
        slot = datetime.fromisoformat(form.get("slot", "")).replace(tzinfo=BEIJING)
    except ValueError:
        return await _page(request, 400, wording("invalid_time"))
    table = await off_loop(desk.bookings.timetable)
    if slot not in set(table.all_slots_on(slot.date())) or form.get("action") not in ("close", "open"):
        return await _page(request, 400, wording("conflict_slot_not_offered"))
    capacity = None
    if form.get("capacity", "").strip():
        try:
            capacity = _number(form, "capacity", wording, 1, 20, "slot_capacity_label")
        except FormError as error:
            return await _page(request, 400, wording(error.key, **error.values))
    user, closed, note = request["user"].name, form["action"] == "close", form.get("note", "")[:120]
    return await _apply(request, lambda: timetable_admin.set_slot(
        desk.engine, slot, closed, capacity, note, user, desk.clock()))


@requires("admin")
async def audit_page(request: web.Request) -> web.Response:
    subject = request.query.get("subject", "").strip()[:40] or None
    rows = await off_loop(audit.entries, desk_of(request).engine, subject)
    return render(request, "audit.html", rows=rows, subject=subject or "")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/admin/timetable", timetable_page)
    app.router.add_post("/admin/timetable/settings", change_settings)
    app.router.add_post("/admin/timetable/days", change_day)
    app.router.add_post("/admin/timetable/slots", change_slot)
    app.router.add_get("/admin/audit", audit_page)
