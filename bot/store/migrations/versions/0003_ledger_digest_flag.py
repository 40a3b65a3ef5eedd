"""Ledger rows carry the chat's delivery mode, so claiming needs no join with chats.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(
            sa.Column("digest", sa.Boolean(), server_default=sa.text("false"), nullable=False)
        )
    op.execute(
        "UPDATE deliveries SET digest = true WHERE state = 'pending' AND chat_id IN "
        "(SELECT id FROM chats WHERE delivery_mode = 'digest')"
    )


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("digest")
