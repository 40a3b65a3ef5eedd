"""Admin broadcasts: one target row per chat, claimed and settled like the delivery ledger.

Targets are materialised when the broadcast is created, so a restart resumes from the rows
still pending and nobody is messaged twice (barring a crash mid-send; see docs/storage.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, literal, or_, select, update

from bot.model import Broadcast, BroadcastOutcome, BroadcastStatus
from bot.store.base import SQLBase
from bot.store.schema import broadcast_deliveries, broadcasts, chats

_TARGET = broadcast_deliveries.c
_GROUP_KINDS = ("group", "supergroup")
# Built once: it runs after every broadcast message.
_MARK_TARGET = (
    update(broadcast_deliveries)
    .where(_TARGET.broadcast_id == bindparam("broadcast"), _TARGET.chat_id == bindparam("chat"))
    .values(
        state=bindparam("outcome"),
        message_id=bindparam("message"),
        last_error=bindparam("error"),
        lease_owner=None,
        lease_until=None,
        updated_at=bindparam("now"),
    )
)


class BroadcastsMixin(SQLBase):
    """Create, claim, settle and report broadcasts."""

    async def create_broadcast(
        self, text: str, author_id: int, include_groups: bool = False
    ) -> Broadcast:
        async with self._begin() as connection:
            broadcast_id = await self._insert_broadcast(connection, text, author_id, include_groups)
        created = await self.get_broadcast(broadcast_id)
        assert created is not None
        return created

    async def _insert_broadcast(
        self, connection: Any, text: str, author_id: int, include_groups: bool
    ) -> int:
        """A running broadcast and its targets, inside the caller's transaction; its id."""
        broadcast_id: int = (
            await connection.execute(
                broadcasts.insert()
                .values(
                    text=text,
                    author_id=author_id,
                    include_groups=include_groups,
                    status="running",
                    created_at=self._now(None),
                )
                .returning(broadcasts.c.id)
            )
        ).scalar_one()
        await self._materialise(connection, broadcast_id, include_groups)
        return broadcast_id

    async def materialise_broadcast(self, broadcast_id: int) -> int:
        async with self._begin() as connection:
            include_groups = (
                await connection.execute(
                    select(broadcasts.c.include_groups).where(broadcasts.c.id == broadcast_id)
                )
            ).scalar_one()
            return await self._materialise(connection, broadcast_id, include_groups)

    async def _materialise(self, connection: Any, broadcast_id: int, include_groups: bool) -> int:
        kinds = ("private", *_GROUP_KINDS) if include_groups else ("private",)
        targets = select(literal(broadcast_id), chats.c.id, literal("pending")).where(
            chats.c.active.is_(True), chats.c.kind.in_(kinds)
        )
        statement = (
            self._insert(broadcast_deliveries)
            .from_select(["broadcast_id", "chat_id", "state"], targets)
            .on_conflict_do_nothing(index_elements=["broadcast_id", "chat_id"])
        )
        return int((await connection.execute(statement)).rowcount)

    async def claim_broadcast_batch(
        self, broadcast_id: int, limit: int, lease_seconds: float, now: datetime | None = None
    ) -> list[int]:
        now = self._now(now)
        running = select(broadcasts.c.id).where(
            broadcasts.c.id == broadcast_id, broadcasts.c.status == "running"
        )
        query = (
            select(_TARGET.chat_id)
            .where(
                _TARGET.broadcast_id == broadcast_id,
                _TARGET.broadcast_id.in_(running),
                _TARGET.state == "pending",
                or_(_TARGET.lease_until.is_(None), _TARGET.lease_until < now),
            )
            .order_by(_TARGET.chat_id)
            .limit(limit)
        )
        statement = (
            update(broadcast_deliveries)
            .where(
                _TARGET.broadcast_id == broadcast_id,
                _TARGET.chat_id.in_(self._claimable(query, broadcast_deliveries)),
            )
            .values(lease_owner=self.instance_id, lease_until=self._until(now, lease_seconds))
            .returning(_TARGET.chat_id)
        )
        async with self._begin() as connection:
            return sorted((await connection.scalars(statement)).all())

    async def renew_broadcast_targets(
        self,
        broadcast_id: int,
        chat_ids: Sequence[int],
        lease_seconds: float,
        now: datetime | None = None,
    ) -> list[int]:
        if not chat_ids:
            return []
        statement = (
            update(broadcast_deliveries)
            .where(
                _TARGET.broadcast_id == broadcast_id,
                _TARGET.chat_id.in_(chat_ids),
                _TARGET.state == "pending",
                _TARGET.lease_owner == self.instance_id,
            )
            .values(lease_until=self._until(self._now(now), lease_seconds))
            .returning(_TARGET.chat_id)
        )
        async with self._begin() as connection:
            return sorted((await connection.scalars(statement)).all())

    async def mark_broadcast_delivery(
        self,
        broadcast_id: int,
        chat_id: int,
        outcome: BroadcastOutcome,
        message_id: int | None = None,
        error: str | None = None,
    ) -> None:
        params = {
            "broadcast": broadcast_id,
            "chat": chat_id,
            "outcome": outcome,
            "message": message_id,
            "error": error[:1000] if error else None,
            "now": self._now(None),
        }
        async with self._fast() as connection:
            await connection.execute(_MARK_TARGET, params)

    async def get_broadcast(self, broadcast_id: int) -> Broadcast | None:
        found = await self._broadcasts(broadcasts.c.id == broadcast_id)
        return found[0] if found else None

    async def set_broadcast_status(self, broadcast_id: int, status: BroadcastStatus) -> None:
        async with self._begin() as connection:
            await connection.execute(
                update(broadcasts).where(broadcasts.c.id == broadcast_id).values(status=status)
            )

    async def unfinished_broadcasts(self) -> list[Broadcast]:
        return await self._broadcasts(broadcasts.c.status == "running")

    async def _broadcasts(self, condition: Any) -> list[Broadcast]:
        counts = (
            select(_TARGET.broadcast_id, _TARGET.state, func.count().label("n"))
            .where(_TARGET.broadcast_id.in_(select(broadcasts.c.id).where(condition)))
            .group_by(_TARGET.broadcast_id, _TARGET.state)
        )
        async with self._connect() as connection:
            rows = (
                await connection.execute(
                    select(broadcasts).where(condition).order_by(broadcasts.c.id)
                )
            ).all()
            tally: dict[tuple[int, str], int] = {
                (row.broadcast_id, row.state): row.n for row in await connection.execute(counts)
            }
        return [
            Broadcast(
                id=row.id,
                text=row.text,
                author_id=row.author_id,
                include_groups=row.include_groups,
                status=row.status,
                sent=tally.get((row.id, "sent"), 0),
                blocked=tally.get((row.id, "blocked"), 0),
                failed=tally.get((row.id, "failed"), 0),
                remaining=tally.get((row.id, "pending"), 0),
                created_at=row.created_at,
            )
            for row in rows
        ]

    async def _release_broadcasts(self, now: datetime, every_claim: bool) -> int:
        statement = (
            update(broadcast_deliveries)
            .where(_TARGET.state == "pending", _TARGET.lease_until.is_not(None))
            .values(lease_owner=None, lease_until=None)
        )
        if not every_claim:
            statement = statement.where(_TARGET.lease_until < now)
        async with self._begin() as connection:
            return int((await connection.execute(statement)).rowcount)
