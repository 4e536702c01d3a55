"""The audit log: who did what to which booking, slot, day or callback, and when.

Written in the same transaction as the change it records, so there is no change without its entry.
Details never hold a clear phone or ID number.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from bot.staff.database import stamp
from bot.staff.tables import audit_log


def record(connection: Connection, actor: str, action: str, subject: str, now: datetime,
           **details: Any) -> None:
    connection.execute(audit_log.insert().values(
        at=stamp(now), actor=actor, action=action, subject=subject,
        details=json.dumps(details, ensure_ascii=False, sort_keys=True)))


def entries(engine: Engine, subject: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    """The newest entries first, of one subject or of all."""
    query = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
    if subject:
        query = query.where(audit_log.c.subject == subject)
    with engine.connect() as connection:
        rows = connection.execute(query).mappings().all()
    return [{**row, "details": json.loads(row["details"])} for row in rows]
