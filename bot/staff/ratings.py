"""好差评: residents rate a service 5 (非常满意) to 1 (非常不满意), with an optional comment.

Nothing here identifies anyone: no conversation id, no phone; a comment is masked before it is
stored. Within one conversation the rating's id is kept in a slot, so a comment or a change of
mind updates the same row instead of counting twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from bot.staff.database import stamp
from bot.staff.masking import mask_text
from bot.staff.tables import RATINGS, ratings

CONTEXTS = ("booking", "handoff", "goodbye", "other")  # other: rated without being asked
MAX_COMMENT = 500


def record(engine: Engine, rating: int, context: str, service_id: str | None, channel: str,
           language: str, now: datetime, rating_id: int | None = None) -> int:
    """Stores a rating (or changes the one this conversation gave); returns its id."""
    if rating not in RATINGS or context not in CONTEXTS:
        raise ValueError(f"rating {rating!r} in context {context!r}")
    values = {"rating": rating, "context": context, "service_id": service_id,
              "channel": channel, "language": language}
    with engine.begin() as connection:
        if rating_id is not None:
            changed = connection.execute(update(ratings).where(ratings.c.id == rating_id)
                                         .values(**values))
            if changed.rowcount == 1:
                return rating_id
        result = connection.execute(ratings.insert().values(created_at=stamp(now), **values))
        return int(result.inserted_primary_key[0])


def add_comment(engine: Engine, rating_id: int, comment: str) -> None:
    with engine.begin() as connection:
        connection.execute(update(ratings).where(ratings.c.id == rating_id)
                           .values(comment=mask_text(comment.strip())[:MAX_COMMENT]))


def link_callback(engine: Engine, rating_id: int, callback_id: int) -> None:
    with engine.begin() as connection:
        connection.execute(update(ratings).where(ratings.c.id == rating_id)
                           .values(callback_id=callback_id))


def get(engine: Engine, rating_id: int) -> dict[str, Any] | None:
    with engine.connect() as connection:
        row = connection.execute(select(ratings).where(ratings.c.id == rating_id)).mappings().first()
    return dict(row) if row else None
