"""Bulk seeding for the crash tests and benchmarks/store.py, under the Store API for speed.

Also `admin_sql`, for CREATE/DROP DATABASE statements that must run outside a transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.store import Store
from bot.store.schema import chats, subscriptions

_CHUNK = 5000


async def seed_subscribers(store: Store, count: int, feed_url: str) -> int:
    """Private chats 1..`count`, all subscribed to the feed at `feed_url`; its id."""
    feed = await store.get_or_create_feed(feed_url, "Seeded")
    now = datetime.now(UTC)
    engine = store._engine  # type: ignore[attr-defined]
    async with engine.begin() as connection:
        for start in range(1, count + 1, _CHUNK):
            ids = range(start, min(start + _CHUNK, count + 1))
            await connection.execute(
                chats.insert(),
                [{"id": i, "kind": "private", "active": True, "created_at": now} for i in ids],
            )
            await connection.execute(
                subscriptions.insert(),
                [
                    {"chat_id": i, "feed_id": feed.id, "include": [], "exclude": []}
                    | {"created_at": now}
                    for i in ids
                ],
            )
    return feed.id


async def admin_sql(url: str, statement: str) -> None:
    """Run one statement in autocommit mode (CREATE DATABASE cannot run in a transaction)."""
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()
