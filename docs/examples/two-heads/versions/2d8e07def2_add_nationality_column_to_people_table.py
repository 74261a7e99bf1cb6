"""Add nationality column to people table

Revision ID: 2d8e07def2
Revises: 1344c33541b
Create Date: 2014-08-08 02:38:45.072148

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "2d8e07def2"
down_revision = "1344c33541b"


def upgrade():
    op.add_column("people", sa.Column("nationality", sa.String(length=100), nullable=True))


def downgrade():
    with op.batch_alter_table("people") as batch_op:
        batch_op.drop_column("nationality")
