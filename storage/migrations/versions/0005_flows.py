"""heads-ups (待确认) for messages the classifier is unsure of; a ticket's subject and summary
(only reports of the same subject merge)

Revision ID: 0005_flows
Revises: 0004_scheduled_job
"""
import sqlalchemy as sa
from alembic import op

revision = "0005_flows"
down_revision = "0004_scheduled_job"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ticket") as batch:
        batch.add_column(sa.Column("subject", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("summary", sa.String(length=200), nullable=True))
    op.create_table(
        "heads_up",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=True),
        sa.Column("building_id", sa.Integer(), nullable=True),
        sa.Column("household_id", sa.Integer(), nullable=True),
        sa.Column("reporter_id", sa.Integer(), nullable=False),
        sa.Column("room_chat_id", sa.String(length=200), nullable=True),
        sa.Column("inbound_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("alert", sa.Boolean(), nullable=False),
        sa.Column("danger", sa.String(length=30), nullable=True),
        sa.Column("subject", sa.String(length=100), nullable=True),
        sa.Column("summary", sa.String(length=200), nullable=True),
        sa.Column("recipient_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("reminded_at", sa.DateTime(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"], name=op.f("fk_heads_up_community_id_community")),
        sa.ForeignKeyConstraint(["building_id"], ["building.id"], name=op.f("fk_heads_up_building_id_building")),
        sa.ForeignKeyConstraint(["household_id"], ["household.id"], name=op.f("fk_heads_up_household_id_household")),
        sa.ForeignKeyConstraint(["reporter_id"], ["person.id"], name=op.f("fk_heads_up_reporter_id_person")),
        sa.ForeignKeyConstraint(["inbound_id"], ["inbound_message.id"],
                                name=op.f("fk_heads_up_inbound_id_inbound_message")),
        sa.ForeignKeyConstraint(["recipient_id"], ["person.id"], name=op.f("fk_heads_up_recipient_id_person")),
        sa.ForeignKeyConstraint(["decided_by_id"], ["person.id"], name=op.f("fk_heads_up_decided_by_id_person")),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"], name=op.f("fk_heads_up_ticket_id_ticket")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_heads_up")),
    )
    op.create_index(op.f("ix_heads_up_recipient_id"), "heads_up", ["recipient_id"])
    op.create_index(op.f("ix_heads_up_status"), "heads_up", ["status"])


def downgrade() -> None:
    op.drop_index(op.f("ix_heads_up_status"), table_name="heads_up")
    op.drop_index(op.f("ix_heads_up_recipient_id"), table_name="heads_up")
    op.drop_table("heads_up")
    with op.batch_alter_table("ticket") as batch:
        batch.drop_column("summary")
        batch.drop_column("subject")
