"""The booking database's engine: what its connections are and how SQLite's transactions begin."""

from __future__ import annotations

from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import QueuePool


def booking_engine(url: str) -> Engine:
    """An engine on the booking database: SQLite (a file) or PostgreSQL."""
    # hide_parameters: a database error in the log must not carry names, phones or ID numbers
    if not url.startswith("sqlite"):
        return create_engine(url, future=True, pool_pre_ping=True, hide_parameters=True)
    # connections kept open (SQLAlchemy 1.4 opens and closes one per use for an SQLite file):
    # the action server reads pending notices on every message; a pooled connection serves one
    # thread at a time, so the threads database work runs in may share them
    engine = create_engine(url, future=True, poolclass=QueuePool, hide_parameters=True,
                           connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _driver_transactions_off(dbapi_connection: Any, _: Any) -> None:
        # let SQLAlchemy's BEGIN below be the only transaction start (pysqlite would defer it)
        dbapi_connection.isolation_level = None
        dbapi_connection.execute("PRAGMA journal_mode=WAL")

    @event.listens_for(engine, "begin")
    def _begin_immediate(connection: Connection) -> None:
        # writers queue at BEGIN instead of failing with "database is locked" half-way through
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
