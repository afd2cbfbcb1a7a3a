"""stock_movement.balance (running stock per organization and GTIN) and the turnover report's
covering index

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('stock_movement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('balance', sa.BigInteger(), nullable=True))
        batch_op.create_index('ix_stock_movement_turnover',
                              ['organization', 'gtin', 'timestamp', 'kind', 'quantity', 'balance'], unique=False)
        batch_op.create_index('ix_stock_movement_balance_pending', ['organization', 'gtin'], unique=False,
                              sqlite_where=sa.text('balance IS NULL'), postgresql_where=sa.text('balance IS NULL'))


def downgrade() -> None:
    with op.batch_alter_table('stock_movement', schema=None) as batch_op:
        batch_op.drop_index('ix_stock_movement_balance_pending')
        batch_op.drop_index('ix_stock_movement_turnover')
        batch_op.drop_column('balance')
