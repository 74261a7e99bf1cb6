"""Add dod column to Person

Revision ID: 1ed82ef0071
Revises: 1344c33541b
Create Date: 2014-08-04 21:48:04.403449

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "1ed82ef0071"
down_revision = "1344c33541b"


def upgrade():
    op.add_column("people", sa.Column("dod", sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table("people") as batch_op:
        batch_op.drop_column("dod")
