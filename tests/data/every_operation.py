"""Every operation in Alembic's Operation Reference

Revision ID: ops1
Revises:
Create Date: 2024-05-06 07:08:09

"""
import alembic
import alembic.op as o
import sqlalchemy as sa
from alembic import op
from alembic import op as ops
from alembic.op import add_column as add

revision = "ops1"
down_revision = None

accounts = sa.table("accounts", sa.column("id", sa.Integer))


def _add_audit_columns(name):
    op.add_column(name, sa.Column("created_by", sa.String(50)))


def upgrade():
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=120), nullable=False, server_default="x"),
    )
    op.drop_table("legacy")
    op.rename_table("old_name", "new_name")
    op.add_column("accounts", sa.Column("plan", sa.String(20), nullable=True))
    op.drop_column("accounts", "obsolete")
    op.alter_column("accounts", "email", type_=sa.String(60), existing_type=sa.String(120), nullable=True)
    op.create_index(op.f("ix_accounts_email"), "accounts", ["email"], unique=True)
    op.drop_index("ix_old", table_name="accounts")
    op.create_unique_constraint("uq_plan", "accounts", ["plan"])
    op.create_foreign_key("fk_owner", "accounts", "users", ["owner_id"], ["id"])
    op.create_check_constraint("ck_plan", "accounts", "plan <> ''")
    op.create_primary_key("pk_accounts", "accounts", ["id"])
    op.drop_constraint("uq_old", "accounts", type_="unique")
    op.create_table_comment("accounts", "Customer accounts")
    op.drop_table_comment("legacy_notes")
    op.execute("UPDATE accounts SET plan = 'free' WHERE plan IS NULL")
    op.execute(sa.text("DELETE FROM accounts WHERE id < 0"))
    op.bulk_insert(accounts, [{"id": 1}])
    with op.batch_alter_table("accounts", schema="billing") as batch_op:
        batch_op.add_column(sa.Column("region", sa.String(2)))
        batch_op.drop_column("fax")
    o.create_index("ix_alias", "accounts", ["plan"])
    ops.drop_index("ix_alias2", table_name="accounts")
    add("accounts", sa.Column("bare", sa.Integer))
    alembic.op.create_table_comment("accounts", "via the package")
    if op.get_context().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS citext")
    _add_audit_columns("accounts")
    for name in ("a", "b"):
        op.add_column(name, sa.Column("flag", sa.Boolean))
    op.drop_table(get_name())


def downgrade():
    pass


def upgrade_engine2(op, tables, tester):
    op.create_table("engine_two", sa.Column("id", sa.Integer))
