"""sealed forms: seal certificates, group roster documents

Every certificate the practice sealed forms with is kept, so that a form sealed before a
renewal still verifies. A stored document may belong to a recording (a group roster) instead
of a consent; a consent has at most one document of each kind.

Revision ID: 4438e04b945d
Revises: c3d81e0f4a27
Create Date: 2026-11-22 17:38:04.323042

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "4438e04b945d"
down_revision = "c3d81e0f4a27"
branch_labels = None
depends_on = None

OLD_KINDS = "kind IN ('consent_form', 'withdrawal_receipt', 'audit_report')"
NEW_KINDS = "kind IN ('consent_form', 'withdrawal_receipt', 'group_roster', 'audit_report')"


def upgrade() -> None:
    op.create_table(
        "seal_certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("pem", sa.Text(), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("not_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_used_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seal_certificates")),
        sa.UniqueConstraint("sha256", name=op.f("uq_seal_certificates_sha256")),
    )
    # Batch mode: SQLite cannot alter a table in place.
    with op.batch_alter_table("stored_documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recording_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("seal_certificate_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_stored_documents_recording_id"), ["recording_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_stored_documents_seal_certificate_id"),
            ["seal_certificate_id"],
            unique=False,
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_stored_documents_consent_id_kind"), ["consent_id", "kind"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_stored_documents_recording_id_recordings"),
            "recordings",
            ["recording_id"],
            ["id"],
            ondelete="RESTRICT",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_stored_documents_seal_certificate_id_seal_certificates"),
            "seal_certificates",
            ["seal_certificate_id"],
            ["id"],
            ondelete="RESTRICT",
        )
        batch_op.drop_constraint(batch_op.f("ck_stored_documents_kind_valid"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_stored_documents_kind_valid"), NEW_KINDS)


def downgrade() -> None:
    op.execute("DELETE FROM stored_documents WHERE kind = 'group_roster'")
    with op.batch_alter_table("stored_documents", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_stored_documents_kind_valid"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_stored_documents_kind_valid"), OLD_KINDS)
        batch_op.drop_constraint(
            batch_op.f("fk_stored_documents_seal_certificate_id_seal_certificates"),
            type_="foreignkey",
        )
        batch_op.drop_constraint(
            batch_op.f("fk_stored_documents_recording_id_recordings"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("uq_stored_documents_consent_id_kind"), type_="unique"
        )
        batch_op.drop_index(batch_op.f("ix_stored_documents_seal_certificate_id"))
        batch_op.drop_index(batch_op.f("ix_stored_documents_recording_id"))
        batch_op.drop_column("seal_certificate_id")
        batch_op.drop_column("recording_id")
    op.drop_table("seal_certificates")
