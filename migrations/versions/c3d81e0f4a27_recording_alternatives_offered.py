"""recording alternatives offered

A client's recording registers the alternatives the clinician offered (e.g. a spoken summary at
the end of the session) next to the motive and the agreement on private use (R1).

Revision ID: c3d81e0f4a27
Revises: 5a2c9ac4e776
Create Date: 2026-11-23 10:12:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c3d81e0f4a27"
down_revision = "5a2c9ac4e776"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Batch mode: SQLite cannot alter a table in place.
    with op.batch_alter_table("recordings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("alternatives_offered", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("recordings", schema=None) as batch_op:
        batch_op.drop_column("alternatives_offered")
