"""The call-back queue on the desk: waiting time, the conversation's last turns (masked), claim,
reveal the phone (audited), close with an outcome."""

from __future__ import annotations

from aiohttp import web

from bot.blocking import off_loop
from bot.staff import callbacks
from bot.staff.tables import CALLBACK_OUTCOMES
from bot.staff.web import DeskError, desk_of, form_of, redirect, render, requires

_CONFLICT_STATUS = {"not_found": 404, "invalid_outcome": 400}


def _id(request: web.Request) -> int:
    text = request.match_info["callback_id"]
    if not text.isdigit() or len(text) > 9:
        raise DeskError(404, "error_404")
    return int(text)


def _conflict(conflict: callbacks.CallbackConflict) -> DeskError:
    status = _CONFLICT_STATUS.get(conflict.code, 409)
    key = "error_404" if status == 404 else f"callback_{conflict.code}"
    if conflict.code == "invalid_outcome":
        key = "conflict_invalid_outcome"
    return DeskError(status, key, **conflict.values)


async def _queue_page(request: web.Request, status: int = 200, **extra: object) -> web.Response:
    desk = desk_of(request)
    rows = await off_loop(callbacks.queue, desk.engine)
    return render(request, "callbacks.html", status=status, rows=rows, now=desk.clock(),
                  outcomes=CALLBACK_OUTCOMES, **extra)


@requires("clerk")
async def queue_page(request: web.Request) -> web.Response:
    return await _queue_page(request)


@requires("clerk")
async def claim(request: web.Request) -> web.Response:
    desk = desk_of(request)
    callback_id = _id(request)
    try:
        await off_loop(callbacks.claim, desk.engine, callback_id, request["user"].name, desk.clock())
    except callbacks.CallbackConflict as conflict:
        raise _conflict(conflict) from conflict
    return redirect(request, "/callbacks", "callback_claimed", id=callback_id)


@requires("clerk")
async def reveal_phone(request: web.Request) -> web.Response:
    desk = desk_of(request)
    callback_id = _id(request)
    try:
        phone = await off_loop(callbacks.reveal_phone, desk.engine, callback_id,
                               request["user"].name, desk.clock())
    except callbacks.CallbackConflict as conflict:
        raise _conflict(conflict) from conflict
    return await _queue_page(request, revealed={callback_id: phone})


@requires("clerk")
async def close(request: web.Request) -> web.Response:
    desk = desk_of(request)
    callback_id = _id(request)
    form = await form_of(request)
    outcome, note = form.get("outcome", ""), form.get("note", "").strip()
    if outcome not in CALLBACK_OUTCOMES:
        raise DeskError(400, "invalid_choice", field=request["wording"]("close_outcome"))
    if len(note) > 200:
        raise DeskError(400, "invalid_text", field=request["wording"]("close_note"), length=200)
    try:
        await off_loop(callbacks.close, desk.engine, callback_id, request["user"].name, outcome,
                       note, desk.clock())
    except callbacks.CallbackConflict as conflict:
        raise _conflict(conflict) from conflict
    return redirect(request, "/callbacks", "callback_closed", id=callback_id)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/callbacks", queue_page)
    app.router.add_post("/callbacks/{callback_id}/claim", claim)
    app.router.add_post("/callbacks/{callback_id}/reveal-phone", reveal_phone)
    app.router.add_post("/callbacks/{callback_id}/close", close)
