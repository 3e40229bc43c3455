"""consents: the decision number, unique per party, participant and recording

Two people registering the same person's decision about a recording at the same moment
stored it twice. Each consent now carries the how-many-th decision of its party about its
participant on its recording it is; a unique constraint for participant parties and one for
representative parties let only one of two simultaneous registrations store its number.
Existing consents are numbered in the order they were registered (by id).

Revision ID: d41c7a9e2b60
Revises: b7e2f19c4d05
Create Date: 2026-12-04 10:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d41c7a9e2b60"
down_revision = "b7e2f19c4d05"
branch_labels = None
depends_on = None

# Window functions: PostgreSQL, and SQLite from 3.25 (2018).
NUMBER_EXISTING = sa.text(
    """
    UPDATE consents SET decision_number = (
        SELECT numbered.n FROM (
            SELECT id, ROW_NUMBER() OVER (
                PARTITION BY recording_id, for_participant_id,
                             party_participant_id, party_representative_id
                ORDER BY id
            ) AS n
            FROM consents
        ) AS numbered
        WHERE numbered.id = consents.id
    )
    """
)


def upgrade() -> None:
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("decision_number", sa.Integer(), server_default="1", nullable=False)
        )
    op.execute(NUMBER_EXISTING)
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.create_unique_constraint(
            batch_op.f("uq_consents_participant_decision_number"),
            ["recording_id", "for_participant_id", "party_participant_id", "decision_number"],
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_consents_representative_decision_number"),
            ["recording_id", "for_participant_id", "party_representative_id", "decision_number"],
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_consents_decision_number_positive"), "decision_number >= 1"
        )


def downgrade() -> None:
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_consents_decision_number_positive"), type_="check")
        batch_op.drop_constraint(
            batch_op.f("uq_consents_representative_decision_number"), type_="unique"
        )
        batch_op.drop_constraint(
            batch_op.f("uq_consents_participant_decision_number"), type_="unique"
        )
        batch_op.drop_column("decision_number")
