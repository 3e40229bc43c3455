"""the manager's lists at scale: derived recording columns, indexes, audit hash index

Recordings get two derived columns for the manager's lists at scale (recordings/derived.py);
existing rows get them when ``prepare_database`` runs (init, demo). The audit chain's unique
prev_hash constraint becomes a unique index, which a bulk load can build once at its end; the
unique constraint on entry_hash goes (every entry's hash is its successor's prev_hash). New
indexes answer the dashboard's counts by index, and consent_tallies its consents by state.

Revision ID: 73f5268f697f
Revises: 1fb216823449
Create Date: 2026-12-03 11:50:31.586742

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "73f5268f697f"
down_revision = "1fb216823449"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_recordings_status_retention_until", "recordings", ["status", "retention_until"]),
    ("ix_recordings_verdict_status", "recordings", ["verdict", "status"]),
    (
        "ix_recordings_made_by_access_open_until",
        "recordings",
        ["made_by", "access_open_until", "status"],
    ),
    ("ix_recordings_created_by_id", "recordings", ["created_by_id"]),
    ("ix_consents_withdrawn_at_recording_id", "consents", ["withdrawn_at", "recording_id"]),
    ("ix_consents_decision", "consents", ["decision"]),
    ("ix_recordings_status_withdrawals", "recordings", ["status", "withdrawals"]),
    ("ix_clients_created_by_id", "clients", ["created_by_id"]),
    ("ix_clients_family_name_given_name_id", "clients", ["family_name", "given_name", "id"]),
)


def upgrade() -> None:
    with op.batch_alter_table("recordings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("verdict", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("access_open_until", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("withdrawals", sa.Integer(), server_default="0", nullable=False)
        )

    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_constraint("uq_audit_entries_entry_hash", type_="unique")
        batch_op.drop_constraint("uq_audit_entries_prev_hash", type_="unique")
        batch_op.create_index("ix_audit_entries_prev_hash", ["prev_hash"], unique=True)

    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)

    op.create_table(
        "consent_tallies",
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "state IN ('granted', 'refused', 'withdrawn')",
            name=op.f("ck_consent_tallies_state_valid"),
        ),
        sa.PrimaryKeyConstraint("state", name=op.f("pk_consent_tallies")),
    )
    # The consents already there, counted once in SQL.
    op.execute(
        "INSERT INTO consent_tallies (state, count) SELECT"
        " CASE WHEN withdrawn_at IS NOT NULL THEN 'withdrawn' ELSE decision END, count(*)"
        " FROM consents GROUP BY 1"
    )
    for state in ("granted", "refused", "withdrawn"):
        op.execute(
            "INSERT INTO consent_tallies (state, count) SELECT '" + state + "', 0 WHERE NOT"
            " EXISTS (SELECT 1 FROM consent_tallies WHERE state = '" + state + "')"
        )


def downgrade() -> None:
    op.drop_table("consent_tallies")
    for name, table, _columns in INDEXES:
        op.drop_index(name, table_name=table)

    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_entries_prev_hash")
        batch_op.create_unique_constraint("uq_audit_entries_prev_hash", ["prev_hash"])
        batch_op.create_unique_constraint("uq_audit_entries_entry_hash", ["entry_hash"])

    with op.batch_alter_table("recordings", schema=None) as batch_op:
        batch_op.drop_column("withdrawals")
        batch_op.drop_column("access_open_until")
        batch_op.drop_column("verdict")
