"""audit verifications

Each run of the audit chain check, so the dashboard can show the last verification.

Revision ID: 429b86a506f9
Revises: 4438e04b945d
Create Date: 2026-11-22 18:23:17.452031

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "429b86a506f9"
down_revision = "4438e04b945d"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_verifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("entries_checked", sa.Integer(), nullable=False),
        sa.Column("first_broken_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("verified_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["verified_by_id"],
            ["users.id"],
            name=op.f("fk_audit_verifications_verified_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_verifications")),
    )
    with op.batch_alter_table("audit_verifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_audit_verifications_verified_at"), ["verified_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("audit_verifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_verifications_verified_at"))

    op.drop_table("audit_verifications")
