"""api token hint and access log token

API tokens get a short visible hint; access log entries name the token an API call used.

Revision ID: 1fb216823449
Revises: 429b86a506f9
Create Date: 2026-11-22 20:20:33.000626

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "1fb216823449"
down_revision = "429b86a506f9"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("access_log_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("api_token_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_access_log_entries_api_token_id_api_tokens"),
            "api_tokens",
            ["api_token_id"],
            ["id"],
            ondelete="RESTRICT",
        )

    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hint", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("hint")

    with op.batch_alter_table("access_log_entries", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_access_log_entries_api_token_id_api_tokens"), type_="foreignkey"
        )
        batch_op.drop_column("api_token_id")
