"""Signing in and out, the desk's language, and the health check."""

from __future__ import annotations

from aiohttp import web

from bot.blocking import off_loop
from bot.staff import accounts
from bot.staff.sessions import Session
from bot.staff.settings import settings
from bot.staff.web import (
    LANGUAGE_COOKIE,
    DeskError,
    desk_of,
    form_of,
    redirect,
    render,
    requires,
)
from bot.staff.wording import DESK_LANGUAGES


def _safe_next(path: str) -> str:
    """Only a path of this desk (no //host, no scheme): never an open redirect."""
    return path if path.startswith("/") and not path.startswith("//") and "\\" not in path else "/day"


async def health(_: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def home(request: web.Request) -> web.Response:
    return redirect(request, "/day")


async def login_page(request: web.Request) -> web.Response:
    has_accounts = bool(await off_loop(accounts.all_users, desk_of(request).engine))
    return render(request, "login.html", next_path=_safe_next(request.query.get("next", "/day")),
                  message=None if has_accounts else "login_no_accounts")


async def login(request: web.Request) -> web.Response:
    desk = desk_of(request)
    form = await form_of(request)
    name, password = form.get("name", "").strip(), form.get("password", "")
    next_path = _safe_next(form.get("next", "/day"))
    limits = settings()["logins"]
    window = limits["per_address_window_minutes"] * 60
    attempts = await desk.services["state"].incr(f"desk:login:{request.remote}", window)
    if attempts > limits["per_address_attempts"]:
        return render(request, "login.html", status=429, next_path=next_path, name=name,
                      message="login_throttled", minutes=limits["per_address_window_minutes"])
    if not name or not password or len(name) > 40 or len(password) > 200:
        return render(request, "login.html", status=400, next_path=next_path, name=name,
                      message="login_wrong")
    result = await off_loop(accounts.log_in, desk.engine, name, password, desk.clock(), deadline=10)
    if result.locked_until:
        until = result.locked_until.strftime("%H:%M")
        return render(request, "login.html", status=429, next_path=next_path, name=name,
                      message="login_locked", until=until)
    if result.user is None:
        return render(request, "login.html", status=401, next_path=next_path, name=name,
                      message="login_wrong")
    request["session"] = request["session"].signed_in(result.user.id, result.user.session_epoch)
    request["user"] = result.user
    return redirect(request, next_path)


@requires("clerk")
async def logout(request: web.Request) -> web.Response:
    desk = desk_of(request)
    await off_loop(accounts.end_sessions, desk.engine, request["user"].id)
    request["session"] = Session()  # anonymous, with a new CSRF token
    return redirect(request, "/login", flash="logged_out")


async def choose_language(request: web.Request) -> web.Response:
    form = await form_of(request)
    language = form.get("language", "")
    if language not in DESK_LANGUAGES:
        raise DeskError(400, "invalid_choice", field="language")
    response = redirect(request, _safe_next(form.get("back", "/day")))
    response.set_cookie(LANGUAGE_COOKIE, language, httponly=True, samesite="Strict",
                        secure=desk_of(request).secure_cookies, path="/", max_age=365 * 86400)
    return response


def add_routes(app: web.Application) -> None:
    app.router.add_get("/health", health)
    app.router.add_get("/", home)
    app.router.add_get("/login", login_page)
    app.router.add_post("/login", login)
    app.router.add_post("/logout", logout)
    app.router.add_post("/language", choose_language)
