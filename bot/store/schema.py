"""Table definitions: the one source the migrations are checked against (test_store_migrations).

Claim columns (`lease_owner`, `lease_until`) make work exclusive across instances: a row is
taken by setting them, and a lease that expired is fair game again.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Dialect,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, stored naive-UTC on SQLite, timestamptz on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use UTC-aware datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# SQLite only auto-increments a column declared exactly INTEGER PRIMARY KEY.
Id = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def _created() -> Column[Any]:
    return Column("created_at", UTCDateTime(), nullable=False)


chats = Table(
    "chats",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("kind", String(16), nullable=False),
    Column("title", Text),
    Column("language", String(16)),
    Column("points", SmallInteger, nullable=False, server_default=text("4")),
    Column("link_preview", Boolean, nullable=False, server_default=text("false")),
    Column("delivery_mode", String(8), nullable=False, server_default="instant"),
    Column("digest_time", String(5), nullable=False, server_default="08:00"),
    Column("timezone", String(64), nullable=False, server_default="UTC"),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    _created(),
)

feeds = Table(
    "feeds",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("url", Text, nullable=False, unique=True),
    Column("title", Text),
    Column("source_id", String(64)),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("consecutive_failures", Integer, nullable=False, server_default=text("0")),
    Column("last_error", Text),
    Column("next_poll_at", UTCDateTime()),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    Column("lease_owner", String(64)),
    Column("lease_until", UTCDateTime()),
    _created(),
    Index(None, "next_poll_at"),
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("chat_id", BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), nullable=False),
    Column("feed_id", Id, ForeignKey("feeds.id", ondelete="CASCADE"), nullable=False),
    Column("include", JSON, nullable=False),
    Column("exclude", JSON, nullable=False),
    Column("thread_id", BigInteger),
    _created(),
    PrimaryKeyConstraint("chat_id", "feed_id"),
    Index(None, "feed_id"),
)

channel_routes = Table(
    "channel_routes",
    metadata,
    Column("chat_id", BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), nullable=False),
    Column("feed_id", Id, ForeignKey("feeds.id", ondelete="CASCADE"), nullable=False),
    Column("points", SmallInteger, nullable=False),
    Column("hashtags", Boolean, nullable=False),
    Column("link_preview", Boolean, nullable=False),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    _created(),
    # The labels' language for this route's posts (`/channel add … lang=uk`); NULL: the chat's.
    Column("language", String(16)),
    PrimaryKeyConstraint("chat_id", "feed_id"),
    Index(None, "feed_id"),
)

items = Table(
    "items",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("feed_id", Id, ForeignKey("feeds.id", ondelete="CASCADE"), nullable=False),
    Column("identity", Text, nullable=False),
    Column("url", Text),
    Column("title", Text),
    Column("title_key", Text),
    Column("published", UTCDateTime()),
    Column("summary", JSON),
    Column("first_seen", UTCDateTime(), nullable=False),
    UniqueConstraint("feed_id", "identity"),
    Index(None, "url"),
    Index(None, "title_key"),
    Index(None, "first_seen"),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("chat_id", BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), nullable=False),
    Column("item_id", Id, ForeignKey("items.id", ondelete="CASCADE"), nullable=False),
    Column("state", String(8), nullable=False),
    Column("thread_id", BigInteger),
    # The chat's delivery mode when queued (kept in step by update_chat_settings): claims
    # filter on it without joining chats.
    Column("digest", Boolean, nullable=False, server_default=text("false")),
    Column("message_id", BigInteger),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("last_error", Text),
    Column("retry_at", UTCDateTime()),
    Column("lease_owner", String(64)),
    Column("lease_until", UTCDateTime()),
    _created(),
    Column("updated_at", UTCDateTime()),
    UniqueConstraint("chat_id", "item_id"),
    Index(None, "item_id"),
    Index(None, "created_at"),
)

broadcasts = Table(
    "broadcasts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("text", Text, nullable=False),
    Column("author_id", BigInteger, nullable=False),
    Column("include_groups", Boolean, nullable=False),
    Column("status", String(16), nullable=False),
    _created(),
)

# No foreign key to chats: a forgotten chat must not change a finished broadcast's report.
broadcast_deliveries = Table(
    "broadcast_deliveries",
    metadata,
    Column("broadcast_id", Id, ForeignKey("broadcasts.id", ondelete="CASCADE"), nullable=False),
    Column("chat_id", BigInteger, nullable=False),
    Column("state", String(8), nullable=False),
    Column("message_id", BigInteger),
    Column("last_error", Text),
    Column("lease_owner", String(64)),
    Column("lease_until", UTCDateTime()),
    Column("updated_at", UTCDateTime()),
    PrimaryKeyConstraint("broadcast_id", "chat_id"),
)

# A previewed broadcast waiting for its author's confirmation: any instance may get the press.
broadcast_drafts = Table(
    "broadcast_drafts",
    metadata,
    Column("key", String(32), primary_key=True),
    Column("author_id", BigInteger, nullable=False),
    Column("text", Text, nullable=False),
    _created(),
)

# The sending budget every instance shares on PostgreSQL (`bot.store.budget`): per bucket the
# theoretical arrival time of the next message and the end of a 429 pause, in epoch seconds of
# the database's clock; per chat the earliest time it may receive again.
send_budget = Table(
    "send_budget",
    metadata,
    Column("name", String(16), primary_key=True),
    Column("tat", Double(), nullable=False),
    Column("paused_until", Double(), nullable=False, server_default=text("0")),
    Column("throttled", BigInteger, nullable=False, server_default=text("0")),
)

send_budget_chats = Table(
    "send_budget_chats",
    metadata,
    Column("chat_id", BigInteger, primary_key=True, autoincrement=False),
    Column("tat", Double(), nullable=False),
)

leader_leases = Table(
    "leader_leases",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("owner", String(64), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
)

# Partial indexes keep the claim queries off the (much larger) finished part of the ledger.
Index(
    "ix_deliveries_pending",
    deliveries.c.id,
    postgresql_where=deliveries.c.state == "pending",
    sqlite_where=deliveries.c.state == "pending",
)
Index(
    "ix_broadcast_deliveries_pending",
    broadcast_deliveries.c.broadcast_id,
    broadcast_deliveries.c.chat_id,
    postgresql_where=broadcast_deliveries.c.state == "pending",
    sqlite_where=broadcast_deliveries.c.state == "pending",
)
