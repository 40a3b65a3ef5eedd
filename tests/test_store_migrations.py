"""Alembic migrations: empty and previous-revision upgrades, drift vs schema.py, `newsbot db`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Connection, Integer, MetaData, text

from bot.cli import main as cli_main
from bot.errors import StoreError
from bot.store import migrate, open_store
from bot.store.schema import metadata

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def _drift(connection: Connection, target: MetaData) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, target))


async def _diff(url: str, target: MetaData) -> list[Any]:
    engine = migrate.create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_drift, target)
    finally:
        await engine.dispose()


async def test_empty_database_is_upgraded_to_the_newest_revision(empty_url: str) -> None:
    engine = migrate.create_engine(empty_url)
    try:
        assert await migrate.current_revision(engine) is None
        await migrate.upgrade(engine)
        assert await migrate.current_revision(engine) == migrate.head_revision()
        await migrate.upgrade(engine)  # a second run is a no-op
    finally:
        await engine.dispose()


@pytest.mark.parametrize("previous", ["0001", "0002"])
async def test_previous_revision_is_upgraded_and_keeps_its_data(
    empty_url: str, previous: str
) -> None:
    engine = migrate.create_engine(empty_url)
    try:
        await migrate.upgrade(engine, previous)
        assert await migrate.current_revision(engine) == previous
        async with engine.begin() as connection:
            for statement in (
                "INSERT INTO chats (id, kind, created_at) VALUES (7, 'private', :t)",
                "INSERT INTO feeds (id, url, created_at) VALUES (1, 'https://a.org/rss', :t)",
                "INSERT INTO subscriptions (chat_id, feed_id, include, exclude, created_at)"
                " VALUES (7, 1, '[\"x\"]', '[]', :t)",
                "INSERT INTO items (id, feed_id, identity, first_seen) VALUES (1, 1, 'g', :t)",
                "INSERT INTO deliveries (chat_id, item_id, state, created_at)"
                " VALUES (7, 1, 'pending', :t)",
            ):
                await connection.execute(text(statement), {"t": T0})
    finally:
        await engine.dispose()

    store = await open_store(empty_url)  # migrates to head on open
    try:
        chat = await store.get_chat(7)
        assert chat is not None
        assert chat.settings.delivery_mode == "instant"  # server defaults filled the settings
        (subscription,) = await store.list_subscriptions(7)
        assert subscription.include == ("x",)
        (claimed,) = await store.claim_deliveries(10, 30)
        assert (claimed.chat_id, claimed.item_id) == (7, 1)
        assert await store.acquire_leadership("jobs", 10)  # a table revision 0002 added
        delivery = await store.get_delivery(7, 1)
        assert delivery is not None
    finally:
        await store.aclose()


async def test_migrations_and_table_definitions_agree(empty_url: str) -> None:
    store = await open_store(empty_url)
    await store.aclose()
    assert await _diff(empty_url, metadata) == []


async def test_drift_between_tables_and_migrations_is_detected(empty_url: str) -> None:
    """The check above can fail: a column the migrations lack is reported."""
    store = await open_store(empty_url)
    await store.aclose()
    drifted = MetaData()
    for table in metadata.sorted_tables:
        table.to_metadata(drifted)
    drifted.tables["chats"].append_column(Column("nickname_length", Integer))
    differences = await _diff(empty_url, drifted)
    assert [(d[0], d[3].name) for d in differences] == [("add_column", "nickname_length")]


def test_db_cli_reports_status_and_upgrades(
    empty_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "newsbot.yaml"
    config.write_text(f"database:\n  url: {empty_url}\n", encoding="utf-8")
    assert cli_main(["db", "status", "--config", str(config)]) == 3
    assert "none (empty)" in capsys.readouterr().out
    assert cli_main(["db", "upgrade", "--config", str(config)]) == 0
    assert f"-> {migrate.head_revision()}" in capsys.readouterr().out
    assert cli_main(["db", "status", "--config", str(config)]) == 0
    assert "up to date" in capsys.readouterr().out


def test_db_cli_takes_the_url_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'env.db'}"
    monkeypatch.setenv("NEWSBOT_DATABASE_URL", url)
    monkeypatch.delenv("NEWSBOT_CONFIG", raising=False)
    assert cli_main(["db", "upgrade"]) == 0
    assert str(tmp_path / "env.db") in capsys.readouterr().out


def test_db_cli_unreachable_database_is_one_clear_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NEWSBOT_DATABASE_URL", "postgresql+asyncpg://nobody@127.0.0.1:1/none")
    monkeypatch.delenv("NEWSBOT_CONFIG", raising=False)
    assert cli_main(["db", "status"]) == 1
    assert "database status failed" in capsys.readouterr().err


async def test_sqlite_file_and_folder_are_created_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "new" / "folder" / "newsbot.db"
    store = await open_store(f"sqlite+aiosqlite:///{path}")
    try:
        engine = store._engine  # type: ignore[attr-defined]
        async with engine.connect() as connection:
            mode = await connection.scalar(text("PRAGMA journal_mode"))
            keys = await connection.scalar(text("PRAGMA foreign_keys"))
    finally:
        await store.aclose()
    assert path.is_file()
    assert (mode, keys) == ("wal", 1)


async def test_unusable_sqlite_path_is_a_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(StoreError, match="cannot create the database folder"):
        await open_store(f"sqlite+aiosqlite:///{blocker / 'sub' / 'newsbot.db'}")


async def test_a_file_that_is_not_a_database_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "newsbot.db"
    path.write_bytes(b"this is not SQLite" * 100)
    with pytest.raises(StoreError, match="cannot open the database"):
        await open_store(f"sqlite+aiosqlite:///{path}")
