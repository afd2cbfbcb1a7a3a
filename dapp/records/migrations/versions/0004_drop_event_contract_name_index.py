"""drop ix_chain_event_contract_name: no query reads events by contract and name (the
projections are what people query; a replay reads in chain order), and each index costs
the indexer's inserts

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('chain_event', schema=None) as batch_op:
        batch_op.drop_index('ix_chain_event_contract_name')


def downgrade() -> None:
    with op.batch_alter_table('chain_event', schema=None) as batch_op:
        batch_op.create_index('ix_chain_event_contract_name', ['contract', 'name'], unique=False)
