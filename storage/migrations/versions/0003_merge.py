"""merge the ledger and time branches

Revision ID: 0003_merge
Revises: 0002_ledger, 0002_time
"""

revision = "0003_merge"
down_revision = ("0002_ledger", "0002_time")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
