"""suspect_reports: reports of suspect packs for the regulator, filed through the dApp or
anchored on-chain by any client (Custody.SuspectPackReported)

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('suspect_reports',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('reference', sa.String(length=36), nullable=True),
    sa.Column('origin', sa.String(length=8), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('code_text', sa.Text(), nullable=True),
    sa.Column('gtin', sa.String(length=14), nullable=True),
    sa.Column('lot', sa.String(length=64), nullable=True),
    sa.Column('batch_id', sa.String(length=66), nullable=True),
    sa.Column('unit_hash', sa.String(length=66), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=True),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('photo_sha256', sa.String(length=64), nullable=True),
    sa.Column('contact', sa.String(length=256), nullable=True),
    sa.Column('reporter', sa.String(length=42), nullable=True),
    sa.Column('language', sa.String(length=8), nullable=True),
    sa.Column('report_cid', sa.String(length=128), nullable=False),
    sa.Column('anchor_tx', sa.String(length=66), nullable=True),
    sa.Column('anchor_block', sa.BigInteger(), nullable=True),
    sa.Column('anchor_log_index', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('anchor_block', 'anchor_log_index', name='uq_suspect_reports_anchor'),
    sa.UniqueConstraint('reference')
    )
    with op.batch_alter_table('suspect_reports', schema=None) as batch_op:
        batch_op.create_index('ix_suspect_reports_received', ['received_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_suspect_reports_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_suspect_reports_unit_hash'), ['unit_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_suspect_reports_reporter'), ['reporter'], unique=False)
        batch_op.create_index(batch_op.f('ix_suspect_reports_report_cid'), ['report_cid'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('suspect_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_suspect_reports_report_cid'))
        batch_op.drop_index(batch_op.f('ix_suspect_reports_reporter'))
        batch_op.drop_index(batch_op.f('ix_suspect_reports_unit_hash'))
        batch_op.drop_index(batch_op.f('ix_suspect_reports_batch_id'))
        batch_op.drop_index('ix_suspect_reports_received')
    op.drop_table('suspect_reports')
