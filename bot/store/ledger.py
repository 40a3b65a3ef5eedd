"""The delivery ledger: one row per (chat, item), claimed with a lease, marked after Telegram.

A row is `pending` until Telegram confirms (`sent`, with the message id), it is given up
(`failed`) or deliberately not sent (`skipped`). A pending row with an unexpired lease belongs
to the instance that claimed it; an expired lease means that instance died mid-send, so the row
is claimed again — the only way a message can repeat. A sender renews its outstanding leases
(`renew_deliveries`, one statement for the whole batch) while it works, so a slow batch keeps
its rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, or_, select, update

from bot.model import Delivery, DeliveryRequest
from bot.store.base import SQLBase
from bot.store.schema import chats, deliveries

_PENDING = deliveries.c.state == "pending"
# Built once: marking is the hot path of every send (building it per call doubles its cost).
_MARK_SENT = (
    update(deliveries)
    .where(deliveries.c.id == bindparam("delivery_id"))
    .values(
        state="sent",
        message_id=bindparam("message"),
        attempts=deliveries.c.attempts + 1,
        last_error=None,
        lease_owner=None,
        lease_until=None,
        updated_at=bindparam("now"),
    )
)
# Requests per INSERT batch (their chat ids go into one IN list).
_ENQUEUE_CHUNK = 5000


def _delivery(row: Any) -> Delivery:
    return Delivery(
        id=row.id,
        chat_id=row.chat_id,
        item_id=row.item_id,
        state=row.state,
        thread_id=row.thread_id,
        message_id=row.message_id,
        attempts=row.attempts,
        last_error=row.last_error,
        created_at=row.created_at,
    )


class LedgerMixin(SQLBase):
    """Enqueue, claim and settle deliveries."""

    async def enqueue_deliveries(
        self, requests: Sequence[DeliveryRequest], now: datetime | None = None
    ) -> int:
        now = self._now(now)
        statement = (
            self._insert(deliveries)
            .on_conflict_do_nothing(index_elements=["chat_id", "item_id"])
            .returning(deliveries.c.id)
        )
        added = 0
        async with self._begin() as connection:
            for start in range(0, len(requests), _ENQUEUE_CHUNK):
                chunk = requests[start : start + _ENQUEUE_CHUNK]
                # Inactive chats get nothing; digest chats' rows wait for their digest.
                known = await connection.execute(
                    select(chats.c.id, chats.c.delivery_mode).where(
                        chats.c.id.in_(sorted({r.chat_id for r in chunk})),
                        chats.c.active.is_(True),
                    )
                )
                modes = {row.id: row.delivery_mode for row in known}
                rows = [
                    {
                        "chat_id": r.chat_id,
                        "item_id": r.item_id,
                        "thread_id": r.thread_id,
                        "state": "pending",
                        "digest": modes[r.chat_id] == "digest",
                        "created_at": now,
                    }
                    for r in chunk
                    if r.chat_id in modes
                ]
                if rows:
                    added += len((await connection.execute(statement, rows)).all())
        return added

    async def claim_deliveries(
        self,
        limit: int,
        lease_seconds: float,
        *,
        chat_id: int | None = None,
        include_digest: bool = False,
        now: datetime | None = None,
    ) -> list[Delivery]:
        now = self._now(now)
        # One table, no join: the plan stays an ordered walk of the pending index even when
        # the planner's statistics lag behind a burst of new rows.
        query = (
            select(deliveries.c.id)
            .where(
                _PENDING,
                or_(deliveries.c.retry_at.is_(None), deliveries.c.retry_at <= now),
                or_(deliveries.c.lease_until.is_(None), deliveries.c.lease_until < now),
            )
            .order_by(deliveries.c.id)
            .limit(limit)
        )
        if chat_id is not None:
            query = query.where(deliveries.c.chat_id == chat_id)
        elif not include_digest:
            query = query.where(deliveries.c.digest.is_(False))
        statement = (
            update(deliveries)
            .where(deliveries.c.id.in_(self._claimable(query, deliveries)))
            .values(lease_owner=self.instance_id, lease_until=self._until(now, lease_seconds))
            .returning(*deliveries.c)
        )
        async with self._begin() as connection:
            rows = (await connection.execute(statement)).all()
        return sorted((_delivery(row) for row in rows), key=lambda d: d.id)

    async def renew_deliveries(
        self, delivery_ids: Sequence[int], lease_seconds: float, now: datetime | None = None
    ) -> list[int]:
        if not delivery_ids:
            return []
        now = self._now(now)
        statement = (
            update(deliveries)
            .where(
                deliveries.c.id.in_(delivery_ids),
                _PENDING,
                deliveries.c.lease_owner == self.instance_id,
            )
            .values(lease_until=self._until(now, lease_seconds))
            .returning(deliveries.c.id)
        )
        async with self._begin() as connection:
            return sorted((await connection.scalars(statement)).all())

    async def mark_sent(
        self, delivery_id: int, message_id: int, now: datetime | None = None
    ) -> None:
        await self.mark_sent_many([(delivery_id, message_id)], now)

    async def mark_sent_many(
        self, sent: Sequence[tuple[int, int]], now: datetime | None = None
    ) -> None:
        if not sent:
            return
        now = self._now(now)
        params = [{"delivery_id": d, "message": m, "now": now} for d, m in sent]
        async with self._fast() as connection:
            # One row: a plain execute; asyncpg's executemany costs milliseconds more.
            await connection.execute(_MARK_SENT, params[0] if len(params) == 1 else params)

    async def mark_failed(
        self,
        delivery_id: int,
        error: str,
        retry_at: datetime | None = None,
        now: datetime | None = None,
    ) -> None:
        now = self._now(now)
        statement = (
            update(deliveries)
            .where(deliveries.c.id == delivery_id, _PENDING, self._not_held_by_others(now))
            .values(
                state="pending" if retry_at is not None else "failed",
                attempts=deliveries.c.attempts + 1,
                last_error=error[:1000],
                retry_at=retry_at,
                lease_owner=None,
                lease_until=None,
                updated_at=now,
            )
        )
        async with self._begin() as connection:
            await connection.execute(statement)

    async def mark_skipped(self, delivery_id: int, reason: str) -> None:
        now = self._now(None)
        statement = (
            update(deliveries)
            .where(deliveries.c.id == delivery_id, _PENDING, self._not_held_by_others(now))
            .values(
                state="skipped",
                last_error=reason[:1000],
                lease_owner=None,
                lease_until=None,
                updated_at=now,
            )
        )
        async with self._begin() as connection:
            await connection.execute(statement)

    def _not_held_by_others(self, now: datetime) -> Any:
        """Rows no other instance holds a live lease on.

        An instance that lost its claim must not mark a row someone else is sending: a failure
        with a retry would release the row, and a third instance could send it again.
        """
        return or_(
            deliveries.c.lease_owner.is_(None),
            deliveries.c.lease_owner == self.instance_id,
            deliveries.c.lease_until < now,
        )

    async def pending_deliveries(self, chat_id: int) -> list[Delivery]:
        query = (
            select(deliveries)
            .where(deliveries.c.chat_id == chat_id, _PENDING)
            .order_by(deliveries.c.id)
        )
        async with self._connect() as connection:
            return [_delivery(row) for row in await connection.execute(query)]

    async def get_delivery(self, chat_id: int, item_id: int) -> Delivery | None:
        query = select(deliveries).where(
            deliveries.c.chat_id == chat_id, deliveries.c.item_id == item_id
        )
        async with self._connect() as connection:
            row = (await connection.execute(query)).first()
        return None if row is None else _delivery(row)

    async def _release_deliveries(self, now: datetime, every_claim: bool) -> int:
        """Clear claims so they are re-driven: all of them, or only the expired ones."""
        statement = (
            update(deliveries)
            .where(_PENDING, deliveries.c.lease_until.is_not(None))
            .values(lease_owner=None, lease_until=None)
        )
        if not every_claim:
            statement = statement.where(deliveries.c.lease_until < now)
        async with self._begin() as connection:
            return (await connection.execute(statement)).rowcount
