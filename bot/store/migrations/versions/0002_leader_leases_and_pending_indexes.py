"""Leader leases for periodic jobs; partial indexes over pending ledger rows for fast claims.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "leader_leases",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_leader_leases"),
    )
    pending = sa.text("state = 'pending'")
    op.create_index(
        "ix_deliveries_pending",
        "deliveries",
        ["id"],
        postgresql_where=pending,
        sqlite_where=pending,
    )
    op.create_index(
        "ix_broadcast_deliveries_pending",
        "broadcast_deliveries",
        ["broadcast_id", "chat_id"],
        postgresql_where=pending,
        sqlite_where=pending,
    )


def downgrade() -> None:
    op.drop_index("ix_broadcast_deliveries_pending", "broadcast_deliveries")
    op.drop_index("ix_deliveries_pending", "deliveries")
    op.drop_table("leader_leases")
