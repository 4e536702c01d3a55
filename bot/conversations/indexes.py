"""The conversation store's own indexes on Rasa's ``events`` table
(``bot.conversations.statements.EventStatements.indexes``), made when a store starts."""

from __future__ import annotations

import logging

import sqlalchemy as sa

logger = logging.getLogger(__name__)


def create_indexes(engine: sa.engine.Engine, indexes: tuple[sa.Index, ...]) -> None:
    """Creates ``indexes`` once, on a new table or on one an older version made. Replicas that
    start together may both try: the one that loses finds the index made by the other."""
    for index in indexes:
        try:
            if engine.dialect.name == "postgresql":
                _build_concurrently(engine, index)
            else:
                index.create(engine, checkfirst=True)
        except sa.exc.DBAPIError:
            if index.name not in {found["name"] for found in
                                  sa.inspect(engine).get_indexes(index.table.name)}:
                raise


# the index's state: valid, invalid (a concurrent build failed or is still running), or absent
_INDEX_STATE = sa.text(
    "SELECT i.indisvalid, EXISTS (SELECT 1 FROM pg_stat_progress_create_index p "
    "WHERE p.index_relid = i.indexrelid) AS building "
    "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
    "WHERE c.relname = :name AND pg_table_is_visible(c.oid)")


def _build_concurrently(engine: sa.engine.Engine, index: sa.Index) -> None:
    """``CREATE INDEX CONCURRENTLY``, outside a transaction. The first start after an upgrade
    builds the indexes on the events table an older version filled, which takes a while on a
    large one; a plain ``CREATE INDEX`` would block every replica's saves meanwhile. A build cut
    short (its process stopped) leaves an invalid index that no query uses: it is dropped and
    built again, unless another replica is building it now."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        state = connection.execute(_INDEX_STATE, {"name": index.name}).first()
        if state is not None and (state.indisvalid or state.building):
            return
        if state is not None:
            logger.warning("index %s was left invalid by a build cut short: building it again",
                           index.name)
            name = connection.dialect.identifier_preparer.format_index(index)
            connection.execute(sa.text(f"DROP INDEX CONCURRENTLY {name}"))
        # the option is the index's own, shared with the table's create_all, which runs in a
        # transaction (where CONCURRENTLY is refused): set only for this statement
        options = index.dialect_options["postgresql"]
        options["concurrently"] = True
        try:
            index.create(connection)
        finally:
            options["concurrently"] = False
