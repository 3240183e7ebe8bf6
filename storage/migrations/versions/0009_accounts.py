"""several WeChat accounts: the account that must send an outbox row, and which account is in
which group / has whom as a contact (chat_account)

Revision ID: 0009_accounts
Revises: 0008_access
"""
import sqlalchemy as sa
from alembic import op

revision = "0009_accounts"
down_revision = "0008_access"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_message") as batch:
        batch.add_column(sa.Column("account", sa.String(length=100), nullable=True))
    op.create_index("ix_outbox_account_due", "outbox_message", ["account", "status", "not_before"])
    op.create_table(
        "chat_account",
        sa.Column("chat_id", sa.String(length=200), nullable=False),
        sa.Column("account", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", "account", name=op.f("pk_chat_account")),
    )


def downgrade() -> None:
    op.drop_table("chat_account")
    op.drop_index("ix_outbox_account_due", table_name="outbox_message")
    with op.batch_alter_table("outbox_message") as batch:
        batch.drop_column("account")
