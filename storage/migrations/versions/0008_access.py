"""trust boundaries: residents' household claims, each reporter's rating, proposed group bindings

Revision ID: 0008_access
Revises: 0007_console
"""
import sqlalchemy as sa
from alembic import op

revision = "0008_access"
down_revision = "0007_console"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "household_claim",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"],
                                name=op.f("fk_household_claim_person_id_person")),
        sa.ForeignKeyConstraint(["household_id"], ["household.id"],
                                name=op.f("fk_household_claim_household_id_household")),
        sa.ForeignKeyConstraint(["decided_by_id"], ["person.id"],
                                name=op.f("fk_household_claim_decided_by_id_person")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_household_claim")),
    )
    op.create_index(op.f("ix_household_claim_person_id"), "household_claim", ["person_id"])
    op.create_index(op.f("ix_household_claim_household_id"), "household_claim", ["household_id"])
    op.create_index(op.f("ix_household_claim_status"), "household_claim", ["status"])

    op.create_table(
        "ticket_rating",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"], name=op.f("fk_ticket_rating_ticket_id_ticket")),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_ticket_rating_person_id_person")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_rating")),
        sa.UniqueConstraint("ticket_id", "person_id", name=op.f("uq_ticket_rating_ticket_id")),
    )
    op.create_index(op.f("ix_ticket_rating_ticket_id"), "ticket_rating", ["ticket_id"])

    op.create_table(
        "binding_proposal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["room_id"], ["chat_room.id"], name=op.f("fk_binding_proposal_room_id_chat_room")),
        sa.ForeignKeyConstraint(["building_id"], ["building.id"],
                                name=op.f("fk_binding_proposal_building_id_building")),
        sa.ForeignKeyConstraint(["decided_by_id"], ["person.id"],
                                name=op.f("fk_binding_proposal_decided_by_id_person")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_binding_proposal")),
    )
    op.create_index(op.f("ix_binding_proposal_room_id"), "binding_proposal", ["room_id"])


def downgrade() -> None:
    op.drop_table("binding_proposal")
    op.drop_table("ticket_rating")
    op.drop_table("household_claim")
