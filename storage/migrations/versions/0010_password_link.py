"""one-time links to set a console password from chat (设置密码): password_link

Revision ID: 0010_password_link
Revises: 0009_accounts
"""
import sqlalchemy as sa
from alembic import op

revision = "0010_password_link"
down_revision = "0009_accounts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "password_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_password_link_person_id_person")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_link")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_password_link_token_hash")),
    )
    op.create_index(op.f("ix_password_link_person_id"), "password_link", ["person_id"])


def downgrade() -> None:
    op.drop_table("password_link")
