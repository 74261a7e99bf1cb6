"""Add people table

Revision ID: 27e81ea4d86
Revises: None
Create Date: 2014-02-27 00:50:04.698519

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "27e81ea4d86"
down_revision = None


def upgrade():
    op.create_table(
        "people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("dob", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade():
    op.drop_table("people")
