"""Initial schema: chats, feeds, subscriptions, channel routes, items, ledger, broadcasts.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "chats",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("title", sa.Text()),
        sa.Column("language", sa.String(16)),
        sa.Column("points", sa.SmallInteger(), server_default=sa.text("4"), nullable=False),
        sa.Column("link_preview", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("delivery_mode", sa.String(8), server_default="instant", nullable=False),
        sa.Column("digest_time", sa.String(5), server_default="08:00", nullable=False),
        sa.Column("timezone", sa.String(64), server_default="UTC", nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_chats"),
    )
    op.create_table(
        "feeds",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("title", sa.Text()),
        sa.Column("source_id", sa.String(64)),
        sa.Column("etag", sa.Text()),
        sa.Column("last_modified", sa.Text()),
        sa.Column(
            "consecutive_failures", sa.Integer(), server_default=sa.text("0"), nullable=False
        ),
        sa.Column("last_error", sa.Text()),
        sa.Column("next_poll_at", TS),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("lease_owner", sa.String(64)),
        sa.Column("lease_until", TS),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_feeds"),
        sa.UniqueConstraint("url", name="uq_feeds_url"),
    )
    op.create_index("ix_feeds_next_poll_at", "feeds", ["next_poll_at"])
    op.create_table(
        "subscriptions",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("feed_id", ID, nullable=False),
        sa.Column("include", sa.JSON(), nullable=False),
        sa.Column("exclude", sa.JSON(), nullable=False),
        sa.Column("thread_id", sa.BigInteger()),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["chat_id"], ["chats.id"], name="fk_subscriptions_chat_id_chats", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["feed_id"], ["feeds.id"], name="fk_subscriptions_feed_id_feeds", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("chat_id", "feed_id", name="pk_subscriptions"),
    )
    op.create_index("ix_subscriptions_feed_id", "subscriptions", ["feed_id"])
    op.create_table(
        "channel_routes",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("feed_id", ID, nullable=False),
        sa.Column("points", sa.SmallInteger(), nullable=False),
        sa.Column("hashtags", sa.Boolean(), nullable=False),
        sa.Column("link_preview", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["chat_id"], ["chats.id"], name="fk_channel_routes_chat_id_chats", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["feed_id"], ["feeds.id"], name="fk_channel_routes_feed_id_feeds", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("chat_id", "feed_id", name="pk_channel_routes"),
    )
    op.create_index("ix_channel_routes_feed_id", "channel_routes", ["feed_id"])
    op.create_table(
        "items",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("feed_id", ID, nullable=False),
        sa.Column("identity", sa.Text(), nullable=False),
        sa.Column("url", sa.Text()),
        sa.Column("title", sa.Text()),
        sa.Column("title_key", sa.Text()),
        sa.Column("published", TS),
        sa.Column("summary", sa.JSON()),
        sa.Column("first_seen", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["feed_id"], ["feeds.id"], name="fk_items_feed_id_feeds", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_items"),
        sa.UniqueConstraint("feed_id", "identity", name="uq_items_feed_id_identity"),
    )
    op.create_index("ix_items_url", "items", ["url"])
    op.create_index("ix_items_title_key", "items", ["title_key"])
    op.create_index("ix_items_first_seen", "items", ["first_seen"])
    op.create_table(
        "deliveries",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("item_id", ID, nullable=False),
        sa.Column("state", sa.String(8), nullable=False),
        sa.Column("thread_id", sa.BigInteger()),
        sa.Column("message_id", sa.BigInteger()),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_error", sa.Text()),
        sa.Column("retry_at", TS),
        sa.Column("lease_owner", sa.String(64)),
        sa.Column("lease_until", TS),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS),
        sa.ForeignKeyConstraint(
            ["chat_id"], ["chats.id"], name="fk_deliveries_chat_id_chats", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name="fk_deliveries_item_id_items", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_deliveries"),
        sa.UniqueConstraint("chat_id", "item_id", name="uq_deliveries_chat_id_item_id"),
    )
    op.create_index("ix_deliveries_item_id", "deliveries", ["item_id"])
    op.create_index("ix_deliveries_created_at", "deliveries", ["created_at"])
    op.create_table(
        "broadcasts",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author_id", sa.BigInteger(), nullable=False),
        sa.Column("include_groups", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_broadcasts"),
    )
    op.create_table(
        "broadcast_deliveries",
        sa.Column("broadcast_id", ID, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(8), nullable=False),
        sa.Column("message_id", sa.BigInteger()),
        sa.Column("last_error", sa.Text()),
        sa.Column("lease_owner", sa.String(64)),
        sa.Column("lease_until", TS),
        sa.Column("updated_at", TS),
        sa.ForeignKeyConstraint(
            ["broadcast_id"],
            ["broadcasts.id"],
            name="fk_broadcast_deliveries_broadcast_id_broadcasts",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("broadcast_id", "chat_id", name="pk_broadcast_deliveries"),
    )


def downgrade() -> None:
    for table in (
        "broadcast_deliveries",
        "broadcasts",
        "deliveries",
        "items",
        "channel_routes",
        "subscriptions",
        "feeds",
        "chats",
    ):
        op.drop_table(table)
