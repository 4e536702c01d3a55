"""The staff desk's aiohttp application: pages, static files, and the reminder loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web
from rasa.core.tracker_store import TrackerStore

from bot.booking import timetable
from bot.booking.schedule import BEIJING, beijing_now
from bot.catalog import default_catalog
from bot.insights.render import TEMPLATES as INSIGHTS_TEMPLATES
from bot.staff import views_admin, views_auth, views_callbacks, views_day, views_reports
from bot.staff.bookings import DeskBookings
from bot.staff.notify import Notifier, find_contact
from bot.staff.settings import settings
from bot.staff.web import DESK_KEY, MIDDLEWARES, Desk
from bot.staff.wechat import WeChatSender
from bot.state import ChannelState, channel_state

logger = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
MAX_FORM_BYTES = 64 * 1024


def _minutes_between(later: datetime, earlier: datetime) -> int:
    return max(0, int((later - earlier).total_seconds() // 60))


def templates() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader(HERE / "templates"),
                                    jinja2.FileSystemLoader(INSIGHTS_TEMPLATES)]), autoescape=True,
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    environment.filters["beijing"] = lambda moment, pattern="%Y-%m-%d %H:%M": \
        moment.astimezone(BEIJING).strftime(pattern)
    environment.globals["minutes_between"] = _minutes_between
    environment.globals["fromiso"] = datetime.fromisoformat
    return environment


def create_app(database: str, *, tracker_store: TrackerStore | None = None,
               secret: str | None = None, clock: Callable[[], datetime] = beijing_now,
               wechat_api: Any | None = None, secure_cookies: bool = False,
               reminders: bool = True, state: ChannelState | None = None) -> web.Application:
    bookings = DeskBookings(database)
    timetable.seed(bookings.engine)
    find = partial(find_contact, tracker_store) if tracker_store else None
    state = state or channel_state()
    notifier = Notifier(bookings.engine, find, {"wechat": WeChatSender(api=wechat_api)}, clock,
                        state)
    desk = Desk(engine=bookings.engine, bookings=bookings, catalog=default_catalog(),
                secret=secret or secrets.token_urlsafe(32), clock=clock, templates=templates(),
                secure_cookies=secure_cookies,
                services={"notifier": notifier, "tracker_store": tracker_store,
                          "state": state})
    app = web.Application(middlewares=MIDDLEWARES, client_max_size=MAX_FORM_BYTES)
    app[DESK_KEY] = desk
    for views in (views_auth, views_day, views_callbacks, views_admin, views_reports):
        views.add_routes(app)
    app.router.add_static("/static/", HERE / "static")
    if reminders:
        app.cleanup_ctx.append(partial(_reminder_loop, notifier))
    return app


async def _reminder_loop(notifier: Notifier, _: web.Application) -> AsyncIterator[None]:
    """Looks for tomorrow's sessions to remind, every few minutes, while the desk runs."""

    async def loop() -> None:
        while True:
            try:
                await notifier.send_due_reminders()
            except Exception:
                logger.exception("sending reminders failed; trying again later")
            await asyncio.sleep(settings()["notices"]["check_minutes"] * 60)

    task = asyncio.create_task(loop())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
