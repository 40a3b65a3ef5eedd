"""The shared sending budget: one token bucket per kind of message, and each chat's next slot.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "send_budget",
        sa.Column("name", sa.String(16), nullable=False),
        sa.Column("tat", sa.Double(), nullable=False),
        sa.Column("paused_until", sa.Double(), server_default=sa.text("0"), nullable=False),
        sa.Column("throttled", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_send_budget"),
    )
    op.create_table(
        "send_budget_chats",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("tat", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", name="pk_send_budget_chats"),
    )


def downgrade() -> None:
    op.drop_table("send_budget_chats")
    op.drop_table("send_budget")
