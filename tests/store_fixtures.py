"""Store fixtures, registered for every test by `pytest_plugins` in tests/conftest.py.

`store_url` runs a test once on SQLite and once on PostgreSQL. The PostgreSQL half uses a
database of its own, created next to the one `NEWSBOT_TEST_DATABASE_URL` names (so other suites
sharing that database are not disturbed) and emptied before every test; without the variable
that half is skipped with the reason shown.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.store import Store, open_store
from bot.store.schema import metadata
from tests.store_seed import admin_sql

PG_ENV = "NEWSBOT_TEST_DATABASE_URL"
PG_SKIP = f"PostgreSQL half skipped: set {PG_ENV}=postgresql+asyncpg://… to run it"


def postgres_base_url() -> str | None:
    """The PostgreSQL URL the environment gives tests, if any."""
    return os.environ.get(PG_ENV) or None


async def empty_database(url: str) -> None:
    """Drop every table (ours and Alembic's) so the next open migrates from scratch."""
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()


async def truncate(url: str) -> None:
    """Empty every table of a migrated database, fast."""
    names = ", ".join(table.name for table in metadata.sorted_tables)
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A private, migrated PostgreSQL database for this session (skipped without the env var)."""
    base = postgres_base_url()
    if base is None:
        pytest.skip(PG_SKIP)
    name = f"newsbot_store_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    asyncio.run(admin_sql(base, f"CREATE DATABASE {name}"))
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    asyncio.run(_migrate(url))
    yield url
    asyncio.run(admin_sql(base, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


async def _migrate(url: str) -> None:
    store = await open_store(url)
    await store.aclose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database URL: a fresh SQLite file, or the session's PostgreSQL emptied."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'newsbot.db'}"
    url: str = request.getfixturevalue("postgres_url")
    asyncio.run(truncate(url))
    return url


@pytest.fixture
async def store(store_url: str) -> AsyncIterator[Store]:
    """An opened, migrated, empty store."""
    opened = await open_store(store_url)
    yield opened
    await opened.aclose()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with nothing in it: a new SQLite file or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
        return
    base = postgres_base_url()
    if base is None:
        pytest.skip(PG_SKIP)
    name = f"newsbot_empty_{uuid.uuid4().hex[:10]}"
    asyncio.run(admin_sql(base, f"CREATE DATABASE {name}"))
    yield make_url(base).set(database=name).render_as_string(hide_password=False)
    asyncio.run(admin_sql(base, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@pytest.fixture
def fresh_postgres_url(postgres_url: str) -> str:
    """The session's PostgreSQL database, emptied (for PostgreSQL-only tests)."""
    asyncio.run(truncate(postgres_url))
    return postgres_url


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say out loud, even without -rs, that the PostgreSQL half did not run."""
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if PG_SKIP in str(getattr(report, "longrepr", ""))
    ]
    if skipped:
        terminalreporter.write_line(f"{len(skipped)} store tests SKIPPED — {PG_SKIP}", yellow=True)
