"""What every part of the SQL store shares: the engine, the clock, dialect-specific statements."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Select, Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.errors import StoreError


def _store_error(exc: SQLAlchemyError) -> StoreError:
    if isinstance(exc, IntegrityError):
        # e.g. subscribing a chat that was never upserted: a caller's mistake, said plainly.
        return StoreError(f"refused by the database: {exc.orig}")
    return StoreError(f"database error: {str(exc).splitlines()[0]}")


class SQLBase:
    """Engine, instance id and helpers for the mixins that make up `SQLStore`."""

    def __init__(self, engine: AsyncEngine, fast_engine: AsyncEngine | None = None) -> None:
        self._engine = engine
        # PostgreSQL: the autocommit pool for single statements on every send's path
        # (`migrate.create_fast_engine`); SQLite has none.
        self._fast_engine = fast_engine
        self._instance_id = uuid.uuid4().hex
        self._dialect = engine.dialect.name

    @property
    def instance_id(self) -> str:
        return self._instance_id

    @property
    def dialect(self) -> str:
        return self._dialect

    @asynccontextmanager
    async def _begin(self) -> AsyncIterator[AsyncConnection]:
        """A transaction; database failures surface as `StoreError`, callers' own errors as is."""
        try:
            async with self._engine.begin() as connection:
                yield connection
        except SQLAlchemyError as exc:
            raise _store_error(exc) from exc

    @asynccontextmanager
    async def _connect(self, engine: AsyncEngine | None = None) -> AsyncIterator[AsyncConnection]:
        """A connection for reads (of `engine`, else the main pool), mapped like `_begin`."""
        try:
            async with (engine or self._engine).connect() as connection:
                yield connection
        except SQLAlchemyError as exc:
            raise _store_error(exc) from exc

    @asynccontextmanager
    async def _fast(self) -> AsyncIterator[AsyncConnection]:
        """A connection for single statements on a send's path: on PostgreSQL each commits on
        its own without waiting for the WAL flush (`migrate.create_fast_engine` says what that
        risks); on SQLite, a transaction like any other."""
        context = self._begin() if self._fast_engine is None else self._connect(self._fast_engine)
        async with context as connection:
            yield connection

    @staticmethod
    def _now(now: datetime | None) -> datetime:
        return datetime.now(UTC) if now is None else now

    @staticmethod
    def _until(now: datetime, seconds: float) -> datetime:
        return now + timedelta(seconds=seconds)

    def _insert(self, table: Table) -> Any:
        """An INSERT that supports `on_conflict_do_nothing/_do_update` on both dialects."""
        module = postgresql if self._dialect == "postgresql" else sqlite
        return module.insert(table)

    def _claimable(self, query: Select[Any], table: Table) -> Select[Any]:
        """The rows `query` picks, for `column.in_(...)` in a claiming UPDATE.

        PostgreSQL skips rows another instance is claiming right now (SQLite has one writer).
        The pick is a materialised CTE so it is evaluated once: as a plain `IN (subquery)` the
        planner may rescan it after the UPDATE changed the first rows, and the LIMIT then lets
        more rows through than asked for.
        """
        if self._dialect == "postgresql":
            query = query.with_for_update(skip_locked=True, of=table)
        picked = query.cte(f"claim_{table.name}").prefix_with("MATERIALIZED")
        return select(*picked.c)
