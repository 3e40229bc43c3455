"""initial schema

Every table of the domain model, with its CHECK, UNIQUE and foreign key constraints named by
the convention in clinic_consent/db.py. Timestamps are DateTime(timezone=True) (the models'
UTCDateTime); enumerations are strings limited by CHECK constraints.

Revision ID: 5a2c9ac4e776
Revises:
Create Date: 2026-11-22 15:38:02.821079

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5a2c9ac4e776"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "form_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.CheckConstraint(
            "kind IN ('client_group_recording', 'video_recording', 'clinician_recording', 'publication', 'representative_consent', 'withdrawal_receipt')",
            name=op.f("ck_form_templates_kind_valid"),
        ),
        sa.CheckConstraint(
            "language IN ('nl', 'en')", name=op.f("ck_form_templates_language_valid")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_templates")),
        sa.UniqueConstraint("kind", "language", name=op.f("uq_form_templates_kind_language")),
    )
    op.create_table(
        "practice_settings",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("agb_code", sa.String(length=8), nullable=True),
        sa.Column("default_language", sa.String(length=2), nullable=False),
        sa.Column("waiting_room_notice_confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "default_language IN ('nl', 'en')", name=op.f("ck_practice_settings_language_valid")
        ),
        sa.CheckConstraint("id = 1", name=op.f("ck_practice_settings_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practice_settings")),
    )
    op.create_table(
        "retention_classes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=50), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("period_days", sa.Integer(), nullable=True),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("follows_medical_file", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_classes")),
        sa.UniqueConstraint("code", name=op.f("uq_retention_classes_code")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("session_version", sa.Integer(), nullable=False),
        sa.Column("failed_login_count", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("totp_secret", sa.String(length=64), nullable=True),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("language IN ('nl', 'en')", name=op.f("ck_users_language_valid")),
        sa.CheckConstraint(
            "role IN ('therapist', 'group_facilitator', 'practice_manager', 'administrator')",
            name=op.f("ck_users_role_valid"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_index(op.f("ix_api_tokens_user_id"), "api_tokens", ["user_id"])

    op.create_table(
        "clients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("given_name", sa.String(length=200), nullable=False),
        sa.Column("family_name", sa.String(length=200), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("external_ref", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("language IN ('nl', 'en')", name=op.f("ck_clients_language_valid")),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_clients_created_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clients")),
        sa.UniqueConstraint("external_ref", name=op.f("uq_clients_external_ref")),
    )
    op.create_table(
        "form_template_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("material", sa.Boolean(), nullable=False),
        sa.Column("change_note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_form_template_versions_created_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["form_templates.id"],
            name=op.f("fk_form_template_versions_template_id_form_templates"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_template_versions")),
        sa.UniqueConstraint(
            "template_id", "version", name=op.f("uq_form_template_versions_template_id_version")
        ),
    )
    op.create_index(
        op.f("ix_form_template_versions_template_id"), "form_template_versions", ["template_id"]
    )

    op.create_table(
        "group_treatments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("agreement_text", sa.Text(), nullable=True),
        sa.Column("agreement_made_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_group_treatments_created_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_treatments")),
    )
    op.create_table(
        "access_log_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("user_role", sa.String(length=32), nullable=True),
        sa.Column("responsible_user_id", sa.Integer(), nullable=True),
        sa.Column("purpose_of_use", sa.String(length=32), nullable=False),
        sa.Column("network_address", sa.String(length=45), nullable=True),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("object_type", sa.String(length=64), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "action IN ('create', 'read', 'update', 'delete', 'execute')",
            name=op.f("ck_access_log_entries_action_valid"),
        ),
        sa.CheckConstraint(
            "outcome IN ('success', 'denied', 'failure')",
            name=op.f("ck_access_log_entries_outcome_valid"),
        ),
        sa.CheckConstraint(
            "user_role IN ('therapist', 'group_facilitator', 'practice_manager', 'administrator')",
            name=op.f("ck_access_log_entries_user_role_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_access_log_entries_client_id_clients"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["responsible_user_id"],
            ["users.id"],
            name=op.f("fk_access_log_entries_responsible_user_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_access_log_entries_user_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_log_entries")),
    )
    op.create_index(
        "ix_access_log_entries_client_id_occurred_at",
        "access_log_entries",
        ["client_id", "occurred_at"],
    )
    op.create_index(
        op.f("ix_access_log_entries_occurred_at"), "access_log_entries", ["occurred_at"]
    )
    op.create_index(op.f("ix_access_log_entries_user_id"), "access_log_entries", ["user_id"])

    op.create_table(
        "audit_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("object_type", sa.String(length=64), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_user_id"],
            ["users.id"],
            name=op.f("fk_audit_entries_actor_user_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_audit_entries_client_id_clients"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entries")),
        sa.UniqueConstraint("entry_hash", name=op.f("uq_audit_entries_entry_hash")),
        sa.UniqueConstraint("prev_hash", name=op.f("uq_audit_entries_prev_hash")),
    )
    op.create_index(op.f("ix_audit_entries_actor_user_id"), "audit_entries", ["actor_user_id"])
    op.create_index(op.f("ix_audit_entries_client_id"), "audit_entries", ["client_id"])
    op.create_index(
        "ix_audit_entries_object_type_object_id", "audit_entries", ["object_type", "object_id"]
    )

    op.create_table(
        "capacity_judgements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("has_capacity", sa.Boolean(), nullable=False),
        sa.Column("decision_scope", sa.String(length=32), nullable=False),
        sa.Column("decision", sa.Text(), nullable=False),
        sa.Column("judged_by_id", sa.Integer(), nullable=False),
        sa.Column("judged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "decision_scope IN ('recording', 'treatment', 'other')",
            name=op.f("ck_capacity_judgements_scope_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_capacity_judgements_client_id_clients"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["judged_by_id"],
            ["users.id"],
            name=op.f("fk_capacity_judgements_judged_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_capacity_judgements")),
    )
    op.create_index(op.f("ix_capacity_judgements_client_id"), "capacity_judgements", ["client_id"])

    op.create_table(
        "group_memberships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_treatment_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("joined_on", sa.Date(), nullable=False),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.Column("agreement_accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_group_memberships_client_id_clients"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["group_treatment_id"],
            ["group_treatments.id"],
            name=op.f("fk_group_memberships_group_treatment_id_group_treatments"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_memberships")),
        sa.UniqueConstraint(
            "group_treatment_id",
            "client_id",
            name=op.f("uq_group_memberships_group_treatment_id_client_id"),
        ),
    )
    op.create_index(op.f("ix_group_memberships_client_id"), "group_memberships", ["client_id"])
    op.create_index(
        op.f("ix_group_memberships_group_treatment_id"), "group_memberships", ["group_treatment_id"]
    )

    op.create_table(
        "group_staff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_treatment_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_treatment_id"],
            ["group_treatments.id"],
            name=op.f("fk_group_staff_group_treatment_id_group_treatments"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_group_staff_user_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_staff")),
        sa.UniqueConstraint(
            "group_treatment_id", "user_id", name=op.f("uq_group_staff_group_treatment_id_user_id")
        ),
    )
    op.create_index(
        op.f("ix_group_staff_group_treatment_id"), "group_staff", ["group_treatment_id"]
    )
    op.create_index(op.f("ix_group_staff_user_id"), "group_staff", ["user_id"])

    op.create_table(
        "treatment_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("group_treatment_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "group_treatment_id IS NULL OR kind = 'group'",
            name=op.f("ck_treatment_sessions_group_kind"),
        ),
        sa.CheckConstraint(
            "kind IN ('individual', 'group')", name=op.f("ck_treatment_sessions_kind_valid")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_treatment_sessions_created_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["group_treatment_id"],
            ["group_treatments.id"],
            name=op.f("fk_treatment_sessions_group_treatment_id_group_treatments"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_treatment_sessions")),
    )
    op.create_index(op.f("ix_treatment_sessions_date"), "treatment_sessions", ["date"])
    op.create_index(
        op.f("ix_treatment_sessions_group_treatment_id"),
        "treatment_sessions",
        ["group_treatment_id"],
    )

    op.create_table(
        "session_participants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("relation", sa.String(length=100), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("has_capacity", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "role <> 'client' OR (client_id IS NOT NULL AND user_id IS NULL)",
            name=op.f("ck_session_participants_client_ref"),
        ),
        sa.CheckConstraint(
            "role <> 'other' OR (name IS NOT NULL AND client_id IS NULL AND user_id IS NULL)",
            name=op.f("ck_session_participants_other_ref"),
        ),
        sa.CheckConstraint(
            "role <> 'staff' OR (user_id IS NOT NULL AND client_id IS NULL)",
            name=op.f("ck_session_participants_staff_ref"),
        ),
        sa.CheckConstraint(
            "role IN ('client', 'staff', 'other')", name=op.f("ck_session_participants_role_valid")
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_session_participants_client_id_clients"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["treatment_sessions.id"],
            name=op.f("fk_session_participants_session_id_treatment_sessions"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_session_participants_user_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_participants")),
        sa.UniqueConstraint(
            "session_id", "client_id", name=op.f("uq_session_participants_session_id_client_id")
        ),
        sa.UniqueConstraint(
            "session_id", "user_id", name=op.f("uq_session_participants_session_id_user_id")
        ),
    )
    op.create_index(
        op.f("ix_session_participants_client_id"), "session_participants", ["client_id"]
    )
    op.create_index(
        op.f("ix_session_participants_session_id"), "session_participants", ["session_id"]
    )
    op.create_index(op.f("ix_session_participants_user_id"), "session_participants", ["user_id"])

    op.create_table(
        "representatives",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("participant_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("relation", sa.String(length=32), nullable=False),
        sa.Column("contact", sa.Text(), nullable=True),
        sa.Column("has_authority", sa.Boolean(), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("registered_by_id", sa.Integer(), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "relation IN ('parent', 'guardian', 'curator', 'mentor', 'partner', 'family', 'authorised_person')",
            name=op.f("ck_representatives_relation_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_representatives_client_id_clients"),
            ondelete="RESTRICT",
        ),
        sa.CheckConstraint(
            "(client_id IS NULL) <> (participant_id IS NULL)",
            name=op.f("ck_representatives_one_represented"),
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["session_participants.id"],
            name=op.f("fk_representatives_participant_id_session_participants"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["registered_by_id"],
            ["users.id"],
            name=op.f("fk_representatives_registered_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_representatives")),
    )
    op.create_index(op.f("ix_representatives_client_id"), "representatives", ["client_id"])
    op.create_index(
        op.f("ix_representatives_participant_id"), "representatives", ["participant_id"]
    )

    op.create_table(
        "recordings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("made_by", sa.String(length=16), nullable=False),
        sa.Column("recorder_participant_id", sa.Integer(), nullable=False),
        sa.Column("medium", sa.String(length=16), nullable=False),
        sa.Column("covert", sa.Boolean(), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("scope_description", sa.Text(), nullable=True),
        sa.Column("purpose", sa.String(length=16), nullable=True),
        sa.Column("motive", sa.Text(), nullable=True),
        sa.Column("agreements", sa.Text(), nullable=True),
        sa.Column("retention_class_id", sa.Integer(), nullable=True),
        sa.Column("retention_until", sa.Date(), nullable=True),
        sa.Column("retention_reason", sa.Text(), nullable=True),
        sa.Column("storage_location", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("destroyed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("destroyed_by_id", sa.Integer(), nullable=True),
        sa.Column("destruction_method", sa.Text(), nullable=True),
        sa.Column("destruction_witness", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "made_by IN ('client', 'clinician')", name=op.f("ck_recordings_made_by_valid")
        ),
        sa.CheckConstraint("medium IN ('audio', 'video')", name=op.f("ck_recordings_medium_valid")),
        sa.CheckConstraint(
            "purpose IN ('private', 'treatment', 'training', 'supervision', 'research')",
            name=op.f("ck_recordings_purpose_valid"),
        ),
        sa.CheckConstraint(
            "scope = 'whole' OR scope_description IS NOT NULL",
            name=op.f("ck_recordings_partial_scope_described"),
        ),
        sa.CheckConstraint("scope IN ('whole', 'partial')", name=op.f("ck_recordings_scope_valid")),
        sa.CheckConstraint(
            "status <> 'destroyed' OR (destroyed_at IS NOT NULL AND destroyed_by_id IS NOT NULL AND destruction_method IS NOT NULL)",
            name=op.f("ck_recordings_destruction_registered"),
        ),
        sa.CheckConstraint(
            "status IN ('planned', 'made', 'destroyed')", name=op.f("ck_recordings_status_valid")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_recordings_created_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["destroyed_by_id"],
            ["users.id"],
            name=op.f("fk_recordings_destroyed_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["recorder_participant_id"],
            ["session_participants.id"],
            name=op.f("fk_recordings_recorder_participant_id_session_participants"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["retention_class_id"],
            ["retention_classes.id"],
            name=op.f("fk_recordings_retention_class_id_retention_classes"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["treatment_sessions.id"],
            name=op.f("fk_recordings_session_id_treatment_sessions"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recordings")),
    )
    op.create_index(
        op.f("ix_recordings_recorder_participant_id"), "recordings", ["recorder_participant_id"]
    )
    op.create_index(op.f("ix_recordings_retention_class_id"), "recordings", ["retention_class_id"])
    op.create_index(op.f("ix_recordings_retention_until"), "recordings", ["retention_until"])
    op.create_index(op.f("ix_recordings_session_id"), "recordings", ["session_id"])

    op.create_table(
        "access_list_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recording_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=32), nullable=True),
        sa.Column("outside_name", sa.String(length=200), nullable=True),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("granted_by_id", sa.Integer(), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "role IN ('therapist', 'group_facilitator', 'practice_manager', 'administrator')",
            name=op.f("ck_access_list_entries_role_valid"),
        ),
        sa.CheckConstraint(
            "(user_id IS NOT NULL AND role IS NULL AND outside_name IS NULL) OR (user_id IS NULL AND role IS NOT NULL AND outside_name IS NULL) OR (user_id IS NULL AND role IS NULL AND outside_name IS NOT NULL)",
            name=op.f("ck_access_list_entries_one_grantee"),
        ),
        sa.ForeignKeyConstraint(
            ["granted_by_id"],
            ["users.id"],
            name=op.f("fk_access_list_entries_granted_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["recording_id"],
            ["recordings.id"],
            name=op.f("fk_access_list_entries_recording_id_recordings"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by_id"],
            ["users.id"],
            name=op.f("fk_access_list_entries_revoked_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_access_list_entries_user_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_list_entries")),
    )
    op.create_index(
        op.f("ix_access_list_entries_recording_id"), "access_list_entries", ["recording_id"]
    )
    op.create_index(op.f("ix_access_list_entries_user_id"), "access_list_entries", ["user_id"])

    op.create_table(
        "consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recording_id", sa.Integer(), nullable=False),
        sa.Column("party_participant_id", sa.Integer(), nullable=True),
        sa.Column("party_representative_id", sa.Integer(), nullable=True),
        sa.Column("for_participant_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("method", sa.String(length=32), nullable=False),
        sa.Column("witness_name", sa.String(length=200), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("registered_by_id", sa.Integer(), nullable=False),
        sa.Column("template_version_id", sa.Integer(), nullable=True),
        sa.Column("signature_png", sa.LargeBinary(), nullable=True),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawal_reason", sa.Text(), nullable=True),
        sa.Column("withdrawal_registered_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "decision IN ('granted', 'refused')", name=op.f("ck_consents_decision_valid")
        ),
        sa.CheckConstraint(
            "method <> 'drawn_signature' OR signature_png IS NOT NULL",
            name=op.f("ck_consents_drawn_has_signature"),
        ),
        sa.CheckConstraint(
            "method <> 'verbal_witness' OR witness_name IS NOT NULL",
            name=op.f("ck_consents_verbal_has_witness"),
        ),
        sa.CheckConstraint(
            "method IN ('drawn_signature', 'paper_form', 'verbal_witness')",
            name=op.f("ck_consents_method_valid"),
        ),
        sa.CheckConstraint(
            "withdrawn_at IS NULL OR (decision = 'granted' AND withdrawal_registered_by_id IS NOT NULL)",
            name=op.f("ck_consents_withdrawal_of_granted"),
        ),
        sa.CheckConstraint(
            "(party_participant_id IS NULL) <> (party_representative_id IS NULL)",
            name=op.f("ck_consents_one_party"),
        ),
        sa.ForeignKeyConstraint(
            ["for_participant_id"],
            ["session_participants.id"],
            name=op.f("fk_consents_for_participant_id_session_participants"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["party_participant_id"],
            ["session_participants.id"],
            name=op.f("fk_consents_party_participant_id_session_participants"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["party_representative_id"],
            ["representatives.id"],
            name=op.f("fk_consents_party_representative_id_representatives"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["recording_id"],
            ["recordings.id"],
            name=op.f("fk_consents_recording_id_recordings"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["registered_by_id"],
            ["users.id"],
            name=op.f("fk_consents_registered_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["template_version_id"],
            ["form_template_versions.id"],
            name=op.f("fk_consents_template_version_id_form_template_versions"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["withdrawal_registered_by_id"],
            ["users.id"],
            name=op.f("fk_consents_withdrawal_registered_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
    )
    op.create_index(op.f("ix_consents_for_participant_id"), "consents", ["for_participant_id"])
    op.create_index(op.f("ix_consents_party_participant_id"), "consents", ["party_participant_id"])
    op.create_index(
        op.f("ix_consents_party_representative_id"), "consents", ["party_representative_id"]
    )
    op.create_index(op.f("ix_consents_recording_id"), "consents", ["recording_id"])
    op.create_index(op.f("ix_consents_template_version_id"), "consents", ["template_version_id"])

    op.create_table(
        "publication_incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recording_id", sa.Integer(), nullable=True),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("discovered_on", sa.Date(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "status IN ('open', 'removal_requested', 'removed', 'removal_refused', 'court', 'closed')",
            name=op.f("ck_publication_incidents_status_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_publication_incidents_client_id_clients"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_publication_incidents_created_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["recording_id"],
            ["recordings.id"],
            name=op.f("fk_publication_incidents_recording_id_recordings"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["treatment_sessions.id"],
            name=op.f("fk_publication_incidents_session_id_treatment_sessions"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publication_incidents")),
    )
    op.create_index(
        op.f("ix_publication_incidents_client_id"), "publication_incidents", ["client_id"]
    )
    op.create_index(
        op.f("ix_publication_incidents_recording_id"), "publication_incidents", ["recording_id"]
    )
    op.create_index(
        op.f("ix_publication_incidents_session_id"), "publication_incidents", ["session_id"]
    )

    op.create_table(
        "incident_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "step IN ('removal_requested', 'removed', 'removal_refused', 'court', 'closed')",
            name=op.f("ck_incident_steps_step_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["by_id"], ["users.id"], name=op.f("fk_incident_steps_by_id_users"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["publication_incidents.id"],
            name=op.f("fk_incident_steps_incident_id_publication_incidents"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_steps")),
    )
    op.create_index(op.f("ix_incident_steps_incident_id"), "incident_steps", ["incident_id"])

    op.create_table(
        "stored_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("form_number", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("consent_id", sa.Integer(), nullable=True),
        sa.Column("template_version_id", sa.Integer(), nullable=True),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('consent_form', 'withdrawal_receipt', 'audit_report')",
            name=op.f("ck_stored_documents_kind_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["consent_id"],
            ["consents.id"],
            name=op.f("fk_stored_documents_consent_id_consents"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_stored_documents_created_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["template_version_id"],
            ["form_template_versions.id"],
            name=op.f("fk_stored_documents_template_version_id_form_template_versions"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stored_documents")),
        sa.UniqueConstraint("form_number", name=op.f("uq_stored_documents_form_number")),
    )
    op.create_index(op.f("ix_stored_documents_consent_id"), "stored_documents", ["consent_id"])
    op.create_index(op.f("ix_stored_documents_sha256"), "stored_documents", ["sha256"])
    op.create_index(
        op.f("ix_stored_documents_template_version_id"), "stored_documents", ["template_version_id"]
    )


def downgrade() -> None:
    # Indexes and constraints go with their tables; drop children before parents.
    op.drop_table("stored_documents")
    op.drop_table("incident_steps")
    op.drop_table("publication_incidents")
    op.drop_table("consents")
    op.drop_table("access_list_entries")
    op.drop_table("recordings")
    op.drop_table("representatives")
    op.drop_table("session_participants")
    op.drop_table("treatment_sessions")
    op.drop_table("group_staff")
    op.drop_table("group_memberships")
    op.drop_table("capacity_judgements")
    op.drop_table("audit_entries")
    op.drop_table("access_log_entries")
    op.drop_table("group_treatments")
    op.drop_table("form_template_versions")
    op.drop_table("clients")
    op.drop_table("api_tokens")
    op.drop_table("users")
    op.drop_table("retention_classes")
    op.drop_table("practice_settings")
    op.drop_table("form_templates")
