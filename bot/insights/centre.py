"""The centre's side of the report, from its database: sessions attended, call-backs and their
waiting times, ratings by service and channel. No phone, no comment text leaves here."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.insights.report import percentiles
from bot.staff import callbacks
from bot.staff.database import stamp
from bot.staff.tables import RATINGS, booking_events, ratings


def _rating_summary(values: list[int]) -> dict[str, Any]:
    counts = Counter(values)
    return {"count": len(values), "average": sum(values) / len(values) if values else 0.0,
            "counts": {score: counts.get(score, 0) for score in RATINGS}}


def rating_figures(engine: Engine, since: datetime) -> dict[str, Any]:
    with engine.connect() as connection:
        rows = connection.execute(select(ratings.c.rating, ratings.c.service_id, ratings.c.channel,
                                         ratings.c.context, ratings.c.comment)
                                  .where(ratings.c.created_at >= stamp(since))).mappings().all()
    by_service: dict[str, list[int]] = defaultdict(list)
    by_channel: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        by_service[row["service_id"] or "-"].append(row["rating"])
        by_channel[row["channel"]].append(row["rating"])
    return {"all": _rating_summary([row["rating"] for row in rows]),
            "comments": sum(bool(row["comment"]) for row in rows),
            "by_service": {key: _rating_summary(v) for key, v in sorted(by_service.items())},
            "by_channel": {key: _rating_summary(v) for key, v in sorted(by_channel.items())}}


def callback_figures(engine: Engine, since: datetime) -> dict[str, Any]:
    rows = callbacks.waiting_times(engine, since)
    waits = [row["wait_minutes"] for row in rows if row["wait_minutes"] is not None]
    return {"count": len(rows), "by_status": dict(Counter(row["status"] for row in rows)),
            "by_outcome": dict(Counter(row["outcome"] for row in rows if row["outcome"])),
            "by_reason": dict(Counter(row["reason"] for row in rows)),
            "wait_minutes": percentiles(waits)}


def attended_references(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        rows = connection.execute(select(booking_events.c.reference, booking_events.c.kind)
                                  .where(booking_events.c.kind.in_(("attended", "no_show")))
                                  .order_by(booking_events.c.id)).all()
    latest = dict(rows)  # a later correction wins
    return {reference for reference, kind in latest.items() if kind == "attended"}


def centre_figures(engine: Engine, since: datetime) -> dict[str, Any]:
    return {"attended": attended_references(engine), "callbacks": callback_figures(engine, since),
            "ratings": rating_figures(engine, since)}
