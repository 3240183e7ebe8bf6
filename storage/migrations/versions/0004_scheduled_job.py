"""the job queue keeps its jobs in its own table (scheduled_job), not APScheduler's

Revision ID: 0004_scheduled_job
Revises: 0003_merge
"""
import sqlalchemy as sa
from alembic import op

revision = "0004_scheduled_job"
down_revision = "0003_merge"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scheduled_job",
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("func", sa.String(length=200), nullable=False),
        sa.Column("kwargs", sa.JSON(), nullable=False),
        sa.Column("trigger", sa.LargeBinary(), nullable=False),
        sa.Column("grace_seconds", sa.Integer(), nullable=True),
        sa.Column("next_run_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduled_job")),
    )
    # APScheduler's own job store is no longer used: the standing jobs and campaigns are
    # scheduled again at start (ad-hoc jobs kept there before this version are dropped)
    op.execute("DROP TABLE IF EXISTS apscheduler_jobs")


def downgrade() -> None:
    op.drop_table("scheduled_job")
