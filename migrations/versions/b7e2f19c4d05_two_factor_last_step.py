"""two-factor sign-in: the last time step used

A TOTP code is valid for 30 seconds; remembering the step of the last code accepted refuses a
code seen over someone's shoulder or replayed from a proxy log within that window.

Revision ID: b7e2f19c4d05
Revises: 73f5268f697f
Create Date: 2026-12-03 19:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b7e2f19c4d05"
down_revision = "73f5268f697f"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Batch mode: SQLite cannot alter a table in place.
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("totp_last_step")
