"""Builds the report for the last N days from the tracker store and the centre's database."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from rasa.core.tracker_store import TrackerStore
from sqlalchemy.engine import Engine

from bot.booking.schedule import BEIJING
from bot.catalog.model import Catalog
from bot.conversations.reading import events_between
from bot.insights.centre import centre_figures
from bot.insights.report import Report, build


def last_days(tracker_store: TrackerStore, engine: Engine, catalog: Catalog, days: int,
              now: datetime) -> Report:
    """Today and the ``days - 1`` days before it, in Beijing time (blocking: run in a thread)."""
    now = now.astimezone(BEIJING)
    first_day = now.date() - timedelta(days=days - 1)
    since = datetime.combine(first_day, time.min, BEIJING)
    until = datetime.combine(now.date() + timedelta(days=1), time.min, BEIJING)
    events = events_between(tracker_store, since.timestamp(), until.timestamp())
    return build(events, catalog, first_day, now.date(), centre_figures(engine, since))
