"""drop ix_stock_movement_org_gtin_time: ix_stock_movement_turnover (organization, gtin,
timestamp, ...) serves every query it served, and each index costs the indexer's inserts

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('stock_movement', schema=None) as batch_op:
        batch_op.drop_index('ix_stock_movement_org_gtin_time')


def downgrade() -> None:
    with op.batch_alter_table('stock_movement', schema=None) as batch_op:
        batch_op.create_index('ix_stock_movement_org_gtin_time', ['organization', 'gtin', 'timestamp'], unique=False)
