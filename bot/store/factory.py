"""`open_store(url)`: pick the engine for the URL, migrate, return a ready store."""

from __future__ import annotations

from bot.store.protocol import Store


async def open_store(database_url: str) -> Store:
    """Open (creating and migrating if needed) the database at `database_url`.

    `sqlite+aiosqlite:///path.db` (WAL, one instance) or `postgresql+asyncpg://…` (many).
    """
    from bot.store.sql import SQLStore  # noqa: PLC0415 - keep SQLAlchemy out of import time

    return await SQLStore.open(database_url)
