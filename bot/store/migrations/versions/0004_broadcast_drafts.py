"""Broadcast drafts live in the database, so a Send press on any instance finds its preview.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "broadcast_drafts",
        sa.Column("key", sa.String(32), nullable=False),
        sa.Column("author_id", sa.BigInteger(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_broadcast_drafts"),
    )


def downgrade() -> None:
    op.drop_table("broadcast_drafts")
