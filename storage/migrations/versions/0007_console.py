"""the web console's logins (console_user)

Revision ID: 0007_console
Revises: 0006_guide
"""
import sqlalchemy as sa
from alembic import op

revision = "0007_console"
down_revision = "0006_guide"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "console_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("login", sa.String(length=100), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_login_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_console_user_person_id_person")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_user")),
        sa.UniqueConstraint("person_id", name=op.f("uq_console_user_person_id")),
        sa.UniqueConstraint("login", name=op.f("uq_console_user_login")),
    )


def downgrade() -> None:
    op.drop_table("console_user")
