"""How the desk handles every request: the session cookie, CSRF on every form, roles, pages and
errors. Handlers (views_*.py) only decide what to show or change.

Status codes: not signed in → 303 to the login page (GET) or 401 (POST); a stale or tampered
cookie → 401 with the login page; a form without the right CSRF token → 403; a clerk on an admin
page → 403; an unknown booking → 404; a change that conflicts with the data → 409; invalid input
→ 400 with the reason. Nothing changes on any of them.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from urllib.parse import quote

import jinja2
from aiohttp import web
from sqlalchemy.engine import Engine

from bot.blocking import off_loop
from bot.catalog.model import Catalog
from bot.staff import accounts
from bot.staff.bookings import DeskBookings
from bot.staff.sessions import COOKIE, EXPIRED, INVALID, Session, decode, encode
from bot.staff.wording import Wording

logger = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
LANGUAGE_COOKIE = "desk_language"
DESK_KEY = web.AppKey("desk", object)
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


@dataclass
class Desk:
    """What every handler works with."""

    engine: Engine
    bookings: DeskBookings
    catalog: Catalog
    secret: str
    clock: Callable[[], datetime]
    templates: jinja2.Environment
    secure_cookies: bool
    services: dict[str, Any]  # notifier, insights source...: set up by app.py


class DeskError(Exception):
    """An error page: the status and the wording key (with values) that explains it."""

    def __init__(self, status: int, key: str, **values: Any) -> None:
        super().__init__(key)
        self.status, self.key, self.values = status, key, values


def desk_of(request: web.Request) -> Desk:
    return request.app[DESK_KEY]  # type: ignore[return-value]


def render(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
    wording: Wording = request["wording"]
    html = desk_of(request).templates.get_template(template).render(
        t=wording, lang=wording.language, user=request.get("user"), path=request.path,
        csrf=request["session"].csrf, flash=request.get("flash"), **context)
    return web.Response(text=html, content_type="text/html", status=status)


def redirect(request: web.Request, location: str, flash: str | None = None,
             **values: Any) -> web.Response:
    """303 See Other (the POST-redirect-GET pattern), with a message for the next page."""
    if flash:
        request["session"] = request["session"].with_flash(flash, **values)
    return web.Response(status=303, headers={"Location": location})


async def form_of(request: web.Request) -> dict[str, str]:
    return {key: str(value) for key, value in (await request.post()).items()}


def requires(role: str) -> Callable[[Handler], Handler]:
    """Only signed-in staff of ``role`` (admins may do everything clerks do)."""

    def wrap(handler: Handler) -> Handler:
        async def guarded(request: web.Request) -> web.StreamResponse:
            user: accounts.User | None = request["user"]
            if user is None:
                if request.method == "GET" and request["session_problem"] not in (INVALID, EXPIRED):
                    return redirect(request, f"/login?next={quote(request.path_qs, safe='')}")
                raise DeskError(401, "login_session_ended")
            if role == "admin" and not user.is_admin:
                raise DeskError(403, "error_403")
            return await handler(request)

        return guarded

    return wrap


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    response.headers.update({
        "Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"})
    if not request.path.startswith("/static/"):
        response.headers["Cache-Control"] = "no-store"  # pages hold personal data
    return response


@web.middleware
async def sessions(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Reads the session cookie; writes it back on every answer (the idle clock restarts)."""
    desk = desk_of(request)
    session, problem = decode(request.cookies.get(COOKIE), desk.secret)
    user = None
    if session.user_id is not None:
        user = await off_loop(accounts.by_id, desk.engine, session.user_id)
        if user is None or user.session_epoch != session.epoch:
            session, problem, user = Session(), EXPIRED, None
    request["user"], request["session_problem"] = user, problem
    request["flash"], request["session"] = session.flash, replace(session, flash=None)
    request["wording"] = Wording(request.cookies.get(LANGUAGE_COOKIE, ""))
    response = await handler(request)
    if not request.path.startswith("/static/"):
        response.set_cookie(COOKIE, encode(request["session"], desk.secret), httponly=True,
                            samesite="Strict", secure=desk.secure_cookies, path="/")
    return response


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every failure becomes a page in the user's wording; never a stack trace."""
    try:
        return await handler(request)
    except DeskError as error:
        if error.status == 401:
            return render(request, "login.html", status=401, message=error.key, next_path="")
        return render(request, "error.html", status=error.status,
                      message=request["wording"](error.key, **error.values))
    except web.HTTPException as http:
        if http.status < 400:
            raise
        key = f"error_{http.status}" if http.status in (400, 403, 404, 405, 409) else "error_500"
        return render(request, "error.html", status=http.status,
                      message=request["wording"](key, detail=http.reason))
    except Exception:
        logger.exception("desk error on %s %s", request.method, request.path)
        return render(request, "error.html", status=500, message=request["wording"]("error_500"))


@web.middleware
async def csrf(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every POST carries the session's CSRF token, from a session that is still valid."""
    if request.method == "POST":
        if request["session_problem"] in (INVALID, EXPIRED):
            raise DeskError(401, "login_session_ended")
        given = (await request.post()).get("csrf")
        if not request["session"].csrf_matches(given if isinstance(given, str) else None):
            raise DeskError(403, "error_403_csrf")
    return await handler(request)


MIDDLEWARES = [security_headers, sessions, errors, csrf]
