"""Chats, their settings, subscriptions and channel routes."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Text, and_, delete, func, select, type_coerce, update

from bot.model import (
    ChannelRoute,
    Chat,
    ChatKind,
    ChatSettings,
    RouteOptions,
    Subscriber,
    Subscription,
)
from bot.store.base import SQLBase
from bot.store.schema import (
    broadcast_deliveries,
    channel_routes,
    chats,
    deliveries,
    feeds,
    subscriptions,
)

_GROUP_KINDS = ("group", "supergroup")


_SUBSCRIBER_CHAT_COLUMNS = (
    chats.c.points,
    chats.c.link_preview,
    chats.c.delivery_mode,
    chats.c.digest_time,
    chats.c.timezone,
    chats.c.kind,
    chats.c.language,
)


def _keywords(raw: str | list[str] | None) -> tuple[str, ...]:
    """A keyword list read as text (SQLite) or already decoded (asyncpg's json codec)."""
    if isinstance(raw, list):
        return tuple(raw)
    return () if raw in (None, "[]") else tuple(json.loads(raw))


def _settings(row: Any) -> ChatSettings:
    return ChatSettings(
        points=row.points,
        link_preview=row.link_preview,
        delivery_mode=row.delivery_mode,
        digest_time=row.digest_time,
        timezone=row.timezone,
    )


def _chat(row: Any) -> Chat:
    return Chat(
        id=row.id,
        kind=row.kind,
        title=row.title,
        language=row.language,
        settings=_settings(row),
        active=row.active,
        created_at=row.created_at,
    )


def _route(row: Any) -> ChannelRoute:
    options = RouteOptions(row.points, row.hashtags, row.link_preview, row.language)
    return ChannelRoute(
        chat_id=row.chat_id, feed_id=row.feed_id, options=options, active=row.active
    )


class ChatsMixin(SQLBase):
    """Chats, subscriptions and channel routes."""

    async def upsert_chat(
        self,
        chat_id: int,
        kind: ChatKind,
        title: str | None = None,
        language: str | None = None,
        *,
        reactivate: bool = True,
    ) -> Chat:
        changes: dict[str, Any] = {"kind": kind}
        if title is not None:
            changes["title"] = title
        if language is not None:
            changes["language"] = language
        if reactivate:
            changes["active"] = True
        statement = (
            self._insert(chats)
            .values(
                id=chat_id,
                kind=kind,
                title=title,
                language=language,
                active=True,
                created_at=self._now(None),
            )
            .on_conflict_do_update(index_elements=[chats.c.id], set_=changes)
            .returning(*chats.c)
        )
        async with self._begin() as connection:
            row = (await connection.execute(statement)).one()
        return _chat(row)

    async def get_chat(self, chat_id: int) -> Chat | None:
        async with self._connect() as connection:
            row = (await connection.execute(select(chats).where(chats.c.id == chat_id))).first()
        return None if row is None else _chat(row)

    async def update_chat_settings(self, chat_id: int, settings: ChatSettings) -> None:
        values = {
            "points": settings.points,
            "link_preview": settings.link_preview,
            "delivery_mode": settings.delivery_mode,
            "digest_time": settings.digest_time,
            "timezone": settings.timezone,
        }
        async with self._begin() as connection:
            await connection.execute(update(chats).where(chats.c.id == chat_id).values(values))
            await connection.execute(
                update(deliveries)
                .where(deliveries.c.chat_id == chat_id, deliveries.c.state == "pending")
                .values(digest=settings.delivery_mode == "digest")
            )

    async def set_chat_active(self, chat_id: int, active: bool) -> None:
        async with self._begin() as connection:
            await connection.execute(
                update(chats).where(chats.c.id == chat_id).values(active=active)
            )
            if not active:
                # What was waiting for the chat is not sent, now or after it comes back.
                await connection.execute(
                    update(deliveries)
                    .where(deliveries.c.chat_id == chat_id, deliveries.c.state == "pending")
                    .values(
                        state="skipped",
                        last_error="chat inactive",
                        lease_owner=None,
                        lease_until=None,
                        updated_at=self._now(None),
                    )
                )

    async def migrate_chat(self, old_id: int, new_id: int) -> None:
        async with self._begin() as connection:
            old = (await connection.execute(select(chats).where(chats.c.id == old_id))).first()
            if old is None:
                return
            values = {**old._asdict(), "id": new_id, "kind": "supergroup"}
            await connection.execute(
                self._insert(chats).values(values).on_conflict_do_nothing(index_elements=["id"])
            )
            # Rows the new id already has win; the old chat's duplicates go with it.
            for table, key in (
                (subscriptions, subscriptions.c.feed_id),
                (channel_routes, channel_routes.c.feed_id),
                (deliveries, deliveries.c.item_id),
                (broadcast_deliveries, broadcast_deliveries.c.broadcast_id),
            ):
                taken = select(key).where(table.c.chat_id == new_id)
                await connection.execute(
                    update(table)
                    .where(table.c.chat_id == old_id, key.not_in(taken))
                    .values(chat_id=new_id)
                )
            await connection.execute(delete(chats).where(chats.c.id == old_id))

    async def forget_chat(self, chat_id: int) -> None:
        async with self._begin() as connection:
            # Foreign keys cascade to subscriptions, routes and the chat's ledger rows.
            await connection.execute(delete(chats).where(chats.c.id == chat_id))

    async def active_chat_ids(self, include_groups: bool = False) -> list[int]:
        kinds = ("private", *_GROUP_KINDS) if include_groups else ("private",)
        query = (
            select(chats.c.id)
            .where(chats.c.active.is_(True), chats.c.kind.in_(kinds))
            .order_by(chats.c.id)
        )
        async with self._connect() as connection:
            return list((await connection.scalars(query)).all())

    async def digest_chats(self) -> list[Chat]:
        query = select(chats).where(chats.c.active.is_(True), chats.c.delivery_mode == "digest")
        async with self._connect() as connection:
            return [_chat(row) for row in await connection.execute(query)]

    # --- subscriptions -----------------------------------------------------------------------

    async def subscribe(self, chat_id: int, feed_id: int, thread_id: int | None = None) -> bool:
        statement = (
            self._insert(subscriptions)
            .values(
                chat_id=chat_id,
                feed_id=feed_id,
                include=[],
                exclude=[],
                thread_id=thread_id,
                created_at=self._now(None),
            )
            .on_conflict_do_nothing(index_elements=["chat_id", "feed_id"])
        )
        async with self._begin() as connection:
            created = (await connection.execute(statement)).rowcount == 1
            if not created:
                await connection.execute(
                    update(subscriptions)
                    .where(subscriptions.c.chat_id == chat_id, subscriptions.c.feed_id == feed_id)
                    .values(thread_id=thread_id)
                )
        return created

    async def unsubscribe(self, chat_id: int, feed_id: int) -> bool:
        statement = delete(subscriptions).where(
            subscriptions.c.chat_id == chat_id, subscriptions.c.feed_id == feed_id
        )
        async with self._begin() as connection:
            return (await connection.execute(statement)).rowcount > 0

    async def list_subscriptions(self, chat_id: int) -> list[Subscription]:
        query = (
            select(subscriptions, feeds.c.url, feeds.c.title, feeds.c.source_id)
            .join(feeds, feeds.c.id == subscriptions.c.feed_id)
            .where(subscriptions.c.chat_id == chat_id)
            .order_by(subscriptions.c.created_at, subscriptions.c.feed_id)
        )
        async with self._connect() as connection:
            rows = await connection.execute(query)
            return [
                Subscription(
                    chat_id=row.chat_id,
                    feed_id=row.feed_id,
                    feed_url=row.url,
                    feed_title=row.title,
                    source_id=row.source_id,
                    include=tuple(row.include),
                    exclude=tuple(row.exclude),
                    thread_id=row.thread_id,
                )
                for row in rows
            ]

    async def set_filters(
        self, chat_id: int, feed_id: int, include: Sequence[str], exclude: Sequence[str]
    ) -> bool:
        statement = (
            update(subscriptions)
            .where(subscriptions.c.chat_id == chat_id, subscriptions.c.feed_id == feed_id)
            .values(include=list(include), exclude=list(exclude))
        )
        async with self._begin() as connection:
            return (await connection.execute(statement)).rowcount > 0

    async def count_subscriptions(self, chat_id: int) -> int:
        query = select(func.count()).where(subscriptions.c.chat_id == chat_id)
        async with self._connect() as connection:
            return int((await connection.scalar(query)) or 0)

    async def subscribers(self, feed_id: int) -> list[Subscriber]:
        # Fan-out to 100,000 chats happens per new item: fetch only what delivery needs, read
        # the keyword lists as text (mostly "[]") and share equal settings objects.
        query = (
            select(
                subscriptions.c.chat_id,
                subscriptions.c.thread_id,
                type_coerce(subscriptions.c.include, Text).label("include"),
                type_coerce(subscriptions.c.exclude, Text).label("exclude"),
                *_SUBSCRIBER_CHAT_COLUMNS,
            )
            .join(chats, chats.c.id == subscriptions.c.chat_id)
            .where(subscriptions.c.feed_id == feed_id, chats.c.active.is_(True))
            .order_by(subscriptions.c.chat_id)
        )
        shared: dict[tuple[Any, ...], ChatSettings] = {}
        async with self._connect() as connection:
            rows = await connection.execute(query)
            return [
                Subscriber(
                    chat_id=row.chat_id,
                    kind=row.kind,
                    settings=shared.get(row[4:9]) or shared.setdefault(row[4:9], _settings(row)),
                    include=_keywords(row.include),
                    exclude=_keywords(row.exclude),
                    thread_id=row.thread_id,
                    language=row.language,
                )
                for row in rows
            ]

    # --- channel routes ----------------------------------------------------------------------

    async def add_routes(
        self, chat_id: int, feed_ids: Sequence[int], options: RouteOptions | None = None
    ) -> None:
        if not feed_ids:
            return
        options = options or RouteOptions()
        values = {
            "points": options.points,
            "hashtags": options.hashtags,
            "link_preview": options.link_preview,
            "language": options.language,
            "active": True,
        }
        now = self._now(None)
        statement = (
            self._insert(channel_routes)
            .values(
                [{"chat_id": chat_id, "feed_id": f, **values, "created_at": now} for f in feed_ids]
            )
            .on_conflict_do_update(index_elements=["chat_id", "feed_id"], set_=values)
        )
        async with self._begin() as connection:
            await connection.execute(statement)

    async def remove_routes(self, chat_id: int, feed_ids: Sequence[int] | None = None) -> int:
        statement = delete(channel_routes).where(channel_routes.c.chat_id == chat_id)
        if feed_ids is not None:
            statement = statement.where(channel_routes.c.feed_id.in_(feed_ids))
        async with self._begin() as connection:
            return (await connection.execute(statement)).rowcount

    async def list_routes(self, chat_id: int | None = None) -> list[ChannelRoute]:
        query = select(channel_routes).order_by(channel_routes.c.chat_id, channel_routes.c.feed_id)
        if chat_id is not None:
            query = query.where(channel_routes.c.chat_id == chat_id)
        async with self._connect() as connection:
            return [_route(row) for row in await connection.execute(query)]

    async def routes_for_feed(self, feed_id: int) -> list[ChannelRoute]:
        query = (
            select(channel_routes)
            .join(chats, and_(chats.c.id == channel_routes.c.chat_id, chats.c.active.is_(True)))
            .where(channel_routes.c.feed_id == feed_id, channel_routes.c.active.is_(True))
            .order_by(channel_routes.c.chat_id)
        )
        async with self._connect() as connection:
            return [_route(row) for row in await connection.execute(query)]

    async def deactivate_routes(self, chat_id: int) -> int:
        statement = (
            update(channel_routes)
            .where(channel_routes.c.chat_id == chat_id, channel_routes.c.active.is_(True))
            .values(active=False)
        )
        async with self._begin() as connection:
            return (await connection.execute(statement)).rowcount
