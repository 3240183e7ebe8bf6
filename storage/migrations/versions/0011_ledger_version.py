"""the ledger's version counter (one row), moved by every change of who is who and where:
ledger_version

Revision ID: 0011_ledger_version
Revises: 0010_password_link
"""
import sqlalchemy as sa
from alembic import op

revision = "0011_ledger_version"
down_revision = "0010_password_link"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "ledger_version",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_version")),
    )
    op.bulk_insert(table, [{"id": 1, "version": 0}])


def downgrade() -> None:
    op.drop_table("ledger_version")
