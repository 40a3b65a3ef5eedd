"""Engines and Alembic migrations, run from code (start-up, `newsbot db`) with packaged scripts.

Migrations run on the store's own connection; on PostgreSQL an advisory lock makes instances
that start together migrate one after another.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.errors import StoreError

# Connections an instance keeps for the statements on every send's path (each is short).
FAST_POOL = 8
# Any constant works; it only has to be the same in every instance.
_MIGRATION_LOCK = 0x6E657773


def alembic_config() -> Config:
    """The packaged alembic.ini (script_location is relative to it)."""
    return Config(str(resources.files("bot.store").joinpath("alembic.ini")))


def head_revision() -> str:
    """The newest revision shipped with this version."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in (
        "journal_mode=WAL",
        # WAL + NORMAL: a power cut may lose the last commits but never corrupts the file.
        "synchronous=NORMAL",
        "foreign_keys=ON",
        "busy_timeout=10000",
    ):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _create_private(path: Path) -> None:
    """Create the SQLite file (0600) and any missing folders (0700) before SQLite does.

    The database holds chat ids and subscriptions; SQLite would create it world-readable
    (0644 under the usual umask), and its -wal and -shm files copy the file's mode.
    """
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the database folder {path.parent}: {exc}") from None
    try:
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    except OSError as exc:
        raise StoreError(f"cannot create the database file {path}: {exc.strerror}") from None


def create_engine(database_url: str) -> AsyncEngine:
    """An async engine for a sqlite+aiosqlite or postgresql+asyncpg URL."""
    try:
        url = make_url(database_url)
    except ArgumentError as exc:
        raise StoreError(f"database.url is not a valid URL: {exc}") from None
    if url.drivername == "sqlite+aiosqlite":
        database = url.database or ""
        if database and database != ":memory:":
            _create_private(Path(database).expanduser())
        # One connection per process: SQLite has one writer anyway, and sharing one connection
        # avoids SQLITE_BUSY from upgrading read transactions to write.
        engine = create_async_engine(url, pool_size=1, max_overflow=0, pool_timeout=60)
        event.listen(engine.sync_engine, "connect", _set_sqlite_pragmas)
        return engine
    if url.drivername == "postgresql+asyncpg":
        return create_async_engine(url, pool_size=10, max_overflow=10)
    raise StoreError(
        f"database.url: unsupported driver {url.drivername!r}; "
        "use sqlite+aiosqlite:///path.db or postgresql+asyncpg://user@host/db"
    )


def _upgrade(connection: Connection, revision: str) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the schema to `revision` (default: the newest shipped)."""
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade, revision)


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    async with engine.connect() as connection:
        return await connection.run_sync(_current)


def create_fast_engine(engine: AsyncEngine) -> AsyncEngine:
    """A small pool of its own for the statements on every send's path (PostgreSQL).

    Taking a sending slot and marking a message sent are single statements: on this pool each
    runs on its own (autocommit), so a hot row such as the shared budget's is locked only while
    the server executes it, never across a round trip to a client that a busy CPU may not
    schedule for milliseconds; and its commit does not wait for the WAL flush (~2-3 ms here).
    A database *server* crash may then forget the last fraction of a second: a few slots, and
    marks whose messages would repeat. Our own process dying loses nothing.
    """
    return create_async_engine(
        engine.url,
        pool_size=FAST_POOL,
        max_overflow=FAST_POOL,
        isolation_level="AUTOCOMMIT",
        connect_args={"server_settings": {"synchronous_commit": "off"}},
    )
