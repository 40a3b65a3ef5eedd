"""`SQLStore`: the `Store` on SQLAlchemy async Core, plus start-up, leadership and housekeeping."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import SQLAlchemyError

from bot.errors import StoreError
from bot.model import StoreStats
from bot.store import migrate
from bot.store.budget import BudgetMixin
from bot.store.chats import ChatsMixin
from bot.store.drafts import DraftsMixin
from bot.store.feeds import FeedsMixin
from bot.store.ledger import LedgerMixin
from bot.store.schema import (
    chats,
    deliveries,
    feeds,
    items,
    leader_leases,
    subscriptions,
)


class SQLStore(ChatsMixin, FeedsMixin, LedgerMixin, DraftsMixin, BudgetMixin):
    """One database, SQLite (one instance) or PostgreSQL (many instances)."""

    @classmethod
    async def open(cls, database_url: str) -> SQLStore:
        """Connect and migrate to the newest revision."""
        engine = migrate.create_engine(database_url)
        try:
            await migrate.upgrade(engine)
        except (SQLAlchemyError, OSError) as exc:
            await engine.dispose()
            raise StoreError(f"cannot open the database: {exc}") from exc
        if engine.dialect.name == "postgresql":
            return cls(engine, migrate.create_fast_engine(engine))
        return cls(engine)

    async def aclose(self) -> None:
        await self._engine.dispose()
        if self._fast_engine is not None:
            await self._fast_engine.dispose()

    async def ping(self) -> bool:
        async with self._connect() as connection:
            return (await connection.scalar(select(1))) == 1

    async def recover(self, now: datetime | None = None) -> int:
        now = self._now(now)
        # On SQLite nobody else can hold a claim: the previous process is gone.
        every_claim = self._dialect == "sqlite"
        await self._release_feeds(now, every_claim)
        await self._release_broadcasts(now, every_claim)
        return await self._release_deliveries(now, every_claim)

    async def acquire_leadership(
        self, name: str, ttl_seconds: float, now: datetime | None = None
    ) -> bool:
        now = self._now(now)
        insert = self._insert(leader_leases).values(
            name=name, owner=self.instance_id, expires_at=self._until(now, ttl_seconds)
        )
        statement = insert.on_conflict_do_update(
            index_elements=["name"],
            set_={"owner": insert.excluded.owner, "expires_at": insert.excluded.expires_at},
            where=(leader_leases.c.owner == self.instance_id) | (leader_leases.c.expires_at < now),
        ).returning(leader_leases.c.owner)
        async with self._begin() as connection:
            return (await connection.execute(statement)).first() is not None

    async def release_leadership(self, name: str) -> None:
        statement = delete(leader_leases).where(
            leader_leases.c.name == name, leader_leases.c.owner == self.instance_id
        )
        async with self._begin() as connection:
            await connection.execute(statement)

    async def prune(self, older_than: datetime, batch_size: int = 1000) -> int:
        removed = await self._prune_drafts(older_than)
        if self._dialect == "postgresql":
            removed += await self._prune_budget(self._now(None))
        for table, column in ((deliveries, deliveries.c.created_at), (items, items.c.first_seen)):
            while True:
                batch = select(table.c.id).where(column < older_than).limit(batch_size)
                statement = delete(table).where(table.c.id.in_(batch.scalar_subquery()))
                async with self._begin() as connection:
                    count = (await connection.execute(statement)).rowcount
                removed += count
                if count < batch_size:
                    break
        return removed

    async def stats(self, now: datetime | None = None) -> StoreStats:
        now = self._now(now)
        midnight = datetime.combine(now.date(), time(), tzinfo=now.tzinfo)

        def count(table: Any, *conditions: Any) -> Any:
            return select(func.count()).select_from(table).where(*conditions).scalar_subquery()

        query = select(
            count(chats).label("chats"),
            count(chats, chats.c.active.is_(True)).label("active_chats"),
            count(chats, chats.c.active.is_(True), chats.c.kind == "private").label("private"),
            count(chats, chats.c.active.is_(True), chats.c.kind.in_(("group", "supergroup"))).label(
                "groups"
            ),
            count(chats, chats.c.active.is_(True), chats.c.kind == "channel").label("channels"),
            count(subscriptions).label("subscriptions"),
            count(feeds).label("feeds"),
            count(feeds, feeds.c.consecutive_failures > 0).label("failing"),
            count(items, items.c.first_seen >= midnight).label("items_today"),
            count(
                deliveries, deliveries.c.state == "sent", deliveries.c.updated_at >= midnight
            ).label("sent_today"),
            count(deliveries, deliveries.c.state == "pending").label("pending"),
        )
        async with self._connect() as connection:
            row = (await connection.execute(query)).one()
        return StoreStats(
            chats=row.chats,
            active_chats=row.active_chats,
            private_chats=row.private,
            group_chats=row.groups,
            channels=row.channels,
            subscriptions=row.subscriptions,
            feeds=row.feeds,
            failing_feeds=row.failing,
            items_today=row.items_today,
            deliveries_today=row.sent_today,
            pending_deliveries=row.pending,
        )
