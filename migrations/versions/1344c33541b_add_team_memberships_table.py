"""Add team_memberships table

Revision ID: 1344c33541b
Revises: 2d8b17e13d1
Create Date: 2014-02-27 03:05:00.853963

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "1344c33541b"
down_revision = "2d8b17e13d1"


def upgrade():
    op.create_table(
        "team_memberships",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["people.id"]),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"]),
        sa.PrimaryKeyConstraint("team_id", "member_id"),
    )


def downgrade():
    op.drop_table("team_memberships")
