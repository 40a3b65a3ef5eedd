"""Feeds with their fetch state and polling leases, and the items seen in them."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import desc, exists, or_, select, update

from bot.model import FeedState, Item, StoredFeed, Summary
from bot.store.base import SQLBase
from bot.store.schema import channel_routes, feeds, items, subscriptions
from bot.store.text import normalise_title


def _feed(row: Any) -> StoredFeed:
    state = FeedState(
        consecutive_failures=row.consecutive_failures,
        last_error=row.last_error,
        next_poll_at=row.next_poll_at,
        etag=row.etag,
        last_modified=row.last_modified,
        active=row.active,
    )
    return StoredFeed(id=row.id, url=row.url, title=row.title, source_id=row.source_id, state=state)


def _summary_json(summary: Summary) -> dict[str, Any]:
    data = dataclasses.asdict(summary)
    data["key_points"] = list(summary.key_points)
    data["published"] = summary.published.isoformat() if summary.published else None
    return data


def _summary(data: dict[str, Any] | None) -> Summary | None:
    if data is None:
        return None
    fields = {f.name for f in dataclasses.fields(Summary)}
    values = {k: v for k, v in data.items() if k in fields}
    values["key_points"] = tuple(values.get("key_points", ()))
    if values.get("published"):
        values["published"] = datetime.fromisoformat(values["published"])
    return Summary(**values)


def _item(row: Any) -> Item:
    return Item(
        id=row.id,
        feed_id=row.feed_id,
        identity=row.identity,
        url=row.url,
        title=row.title,
        published=row.published,
        summary=_summary(row.summary),
        first_seen=row.first_seen,
    )


class FeedsMixin(SQLBase):
    """Feeds, their polling leases and items."""

    async def get_or_create_feed(
        self, url: str, title: str | None = None, source_id: str | None = None
    ) -> StoredFeed:
        changes = {
            key: value
            for key, value in (("title", title), ("source_id", source_id))
            if value is not None
        }
        insert = self._insert(feeds).values(
            url=url, title=title, source_id=source_id, created_at=self._now(None)
        )
        # DO UPDATE (even a no-op) makes RETURNING give the existing row too.
        statement = insert.on_conflict_do_update(
            index_elements=["url"], set_=changes or {"url": insert.excluded.url}
        ).returning(*feeds.c)
        async with self._begin() as connection:
            return _feed((await connection.execute(statement)).one())

    async def get_feed(self, feed_id: int) -> StoredFeed | None:
        return await self._one_feed(feeds.c.id == feed_id)

    async def get_feed_by_url(self, url: str) -> StoredFeed | None:
        return await self._one_feed(feeds.c.url == url)

    async def _one_feed(self, condition: Any) -> StoredFeed | None:
        async with self._connect() as connection:
            row = (await connection.execute(select(feeds).where(condition))).first()
        return None if row is None else _feed(row)

    async def list_feeds(self, source_ids: Sequence[str] | None = None) -> list[StoredFeed]:
        query = select(feeds).order_by(feeds.c.id)
        if source_ids is not None:
            query = query.where(feeds.c.source_id.in_(source_ids))
        async with self._connect() as connection:
            return [_feed(row) for row in await connection.execute(query)]

    async def claim_due_feeds(
        self, limit: int, lease_seconds: float, now: datetime | None = None
    ) -> list[StoredFeed]:
        now = self._now(now)
        read = or_(
            exists().where(subscriptions.c.feed_id == feeds.c.id),
            exists().where(channel_routes.c.feed_id == feeds.c.id, channel_routes.c.active),
        )
        due = self._claimable(
            select(feeds.c.id)
            .where(
                feeds.c.active.is_(True),
                or_(feeds.c.next_poll_at.is_(None), feeds.c.next_poll_at <= now),
                or_(feeds.c.lease_until.is_(None), feeds.c.lease_until < now),
                read,
            )
            .order_by(feeds.c.next_poll_at.nulls_first(), feeds.c.id)
            .limit(limit),
            feeds,
        )
        statement = (
            update(feeds)
            .where(feeds.c.id.in_(due))
            .values(lease_owner=self.instance_id, lease_until=self._until(now, lease_seconds))
            .returning(*feeds.c)
        )
        async with self._begin() as connection:
            rows = (await connection.execute(statement)).all()
        return sorted((_feed(row) for row in rows), key=lambda f: f.id)

    async def save_feed_state(
        self, feed_id: int, state: FeedState, title: str | None = None
    ) -> None:
        values: dict[str, Any] = {
            "etag": state.etag,
            "last_modified": state.last_modified,
            "consecutive_failures": state.consecutive_failures,
            "last_error": state.last_error,
            "next_poll_at": state.next_poll_at,
            "active": state.active,
            "lease_owner": None,
            "lease_until": None,
        }
        if title is not None:
            values["title"] = title
        async with self._begin() as connection:
            await connection.execute(update(feeds).where(feeds.c.id == feed_id).values(values))

    async def failing_feeds(self, min_failures: int = 1) -> list[StoredFeed]:
        query = (
            select(feeds)
            .where(feeds.c.consecutive_failures >= min_failures)
            .order_by(desc(feeds.c.consecutive_failures), feeds.c.id)
        )
        async with self._connect() as connection:
            return [_feed(row) for row in await connection.execute(query)]

    # --- items -------------------------------------------------------------------------------

    async def add_item(
        self,
        feed_id: int,
        identity: str,
        *,
        url: str | None = None,
        title: str | None = None,
        published: datetime | None = None,
        now: datetime | None = None,
    ) -> Item | None:
        statement = (
            self._insert(items)
            .values(
                feed_id=feed_id,
                identity=identity,
                url=url,
                title=title,
                title_key=normalise_title(title) if title else None,
                published=published,
                first_seen=self._now(now),
            )
            .on_conflict_do_nothing(index_elements=["feed_id", "identity"])
            .returning(*items.c)
        )
        async with self._begin() as connection:
            row = (await connection.execute(statement)).first()
        return None if row is None else _item(row)

    async def find_duplicate(
        self,
        url: str | None,
        title: str | None,
        since: datetime,
        exclude_feed_id: int | None = None,
    ) -> Item | None:
        matches = []
        if url:
            matches.append(items.c.url == url)
        if title and (key := normalise_title(title)):
            matches.append(items.c.title_key == key)
        if not matches:
            return None
        query = (
            select(items)
            .where(or_(*matches), items.c.first_seen >= since)
            .order_by(items.c.first_seen, items.c.id)
            .limit(1)
        )
        if exclude_feed_id is not None:
            query = query.where(items.c.feed_id != exclude_feed_id)
        async with self._connect() as connection:
            row = (await connection.execute(query)).first()
        return None if row is None else _item(row)

    async def get_item(self, item_id: int) -> Item | None:
        found = await self.get_items([item_id])
        return found[0] if found else None

    async def get_items(self, item_ids: Sequence[int]) -> list[Item]:
        if not item_ids:
            return []
        query = select(items).where(items.c.id.in_(list(item_ids)))
        async with self._connect() as connection:
            return [_item(row) for row in await connection.execute(query)]

    async def set_item_summary(self, item_id: int, summary: Summary) -> None:
        statement = (
            update(items).where(items.c.id == item_id).values(summary=_summary_json(summary))
        )
        async with self._begin() as connection:
            await connection.execute(statement)

    async def latest_items(self, feed_ids: Sequence[int], limit: int) -> list[Item]:
        if not feed_ids:
            return []
        query = (
            select(items)
            .where(items.c.feed_id.in_(list(feed_ids)), items.c.summary.is_not(None))
            .order_by(desc(items.c.first_seen), desc(items.c.id))
            .limit(limit)
        )
        async with self._connect() as connection:
            return [_item(row) for row in await connection.execute(query)]

    async def _release_feeds(self, now: datetime, every_claim: bool) -> int:
        statement = update(feeds).where(feeds.c.lease_until.is_not(None))
        if not every_claim:
            statement = statement.where(feeds.c.lease_until < now)
        async with self._begin() as connection:
            result = await connection.execute(statement.values(lease_owner=None, lease_until=None))
            return int(result.rowcount)
