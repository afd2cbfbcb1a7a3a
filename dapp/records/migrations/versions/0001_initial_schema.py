"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-26 09:07:12.243020
"""

from alembic import op
import sqlalchemy as sa

from dapp.records.models import Uint256


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('batch',
    sa.Column('batch_id', sa.String(length=66), nullable=False),
    sa.Column('gtin', sa.String(length=14), nullable=False),
    sa.Column('manufacturer', sa.String(length=42), nullable=False),
    sa.Column('lot', sa.String(length=64), nullable=False),
    sa.Column('manufactured', sa.BigInteger(), nullable=False),
    sa.Column('expires', sa.BigInteger(), nullable=False),
    sa.Column('quantity', sa.BigInteger(), nullable=False),
    sa.Column('serials_root', sa.String(length=66), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('retired_reason_code', sa.Integer(), nullable=True),
    sa.Column('retired_reason_cid', sa.String(length=128), nullable=False),
    sa.Column('commissioned_at', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('batch_id')
    )
    with op.batch_alter_table('batch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_batch_gtin'), ['gtin'], unique=False)

    op.create_table('chain_block',
    sa.Column('number', sa.BigInteger(), nullable=False),
    sa.Column('hash', sa.String(length=66), nullable=False),
    sa.Column('timestamp', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('number')
    )
    op.create_table('chain_event',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('block_number', sa.BigInteger(), nullable=False),
    sa.Column('log_index', sa.Integer(), nullable=False),
    sa.Column('transaction_hash', sa.String(length=66), nullable=False),
    sa.Column('timestamp', sa.BigInteger(), nullable=False),
    sa.Column('contract', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('args', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('block_number', 'log_index', name='uq_chain_event_position')
    )
    with op.batch_alter_table('chain_event', schema=None) as batch_op:
        batch_op.create_index('ix_chain_event_contract_name', ['contract', 'name'], unique=False)

    op.create_table('indexer_cursor',
    sa.Column('chain_id', sa.BigInteger(), nullable=False),
    sa.Column('genesis_hash', sa.String(length=66), nullable=False),
    sa.Column('next_block', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('chain_id')
    )
    op.create_table('organization',
    sa.Column('address', sa.String(length=42), nullable=False),
    sa.Column('metadata_cid', sa.String(length=128), nullable=False),
    sa.Column('roles', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('applied_at', sa.BigInteger(), nullable=True),
    sa.Column('approved_at', sa.BigInteger(), nullable=True),
    sa.Column('status_reason_cid', sa.String(length=128), nullable=False),
    sa.PrimaryKeyConstraint('address')
    )
    op.create_table('price_quote',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('gtin', sa.String(length=14), nullable=False),
    sa.Column('supplier', sa.String(length=256), nullable=False),
    sa.Column('unit_price', Uint256(), nullable=False),
    sa.Column('quoted_on', sa.Date(), nullable=False),
    sa.Column('document_cid', sa.String(length=128), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('price_quote', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_price_quote_gtin'), ['gtin'], unique=False)

    op.create_table('product',
    sa.Column('gtin', sa.String(length=14), nullable=False),
    sa.Column('manufacturer', sa.String(length=42), nullable=False),
    sa.Column('category', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=256), nullable=False),
    sa.Column('dosage_form', sa.String(length=256), nullable=False),
    sa.Column('characteristics_cid', sa.String(length=128), nullable=False),
    sa.Column('certificate_cid', sa.String(length=128), nullable=False),
    sa.Column('registered_at', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('gtin')
    )
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_product_manufacturer'), ['manufacturer'], unique=False)

    op.create_table('purchase_request',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('organization', sa.String(length=42), nullable=False),
    sa.Column('gtin', sa.String(length=14), nullable=False),
    sa.Column('quantity', sa.BigInteger(), nullable=False),
    sa.Column('max_unit_price', Uint256(), nullable=True),
    sa.Column('price_note', sa.Text(), nullable=False),
    sa.Column('needed_by', sa.Date(), nullable=False),
    sa.Column('created_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('tender_id', sa.BigInteger(), nullable=True),
    sa.Column('published', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('purchase_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_purchase_request_gtin'), ['gtin'], unique=False)
        batch_op.create_index(batch_op.f('ix_purchase_request_organization'), ['organization'], unique=False)

    op.create_table('reserve_norm',
    sa.Column('organization', sa.String(length=42), nullable=False),
    sa.Column('gtin', sa.String(length=14), nullable=False),
    sa.Column('minimum_balance', sa.BigInteger(), nullable=False),
    sa.Column('emergency_reserve', sa.BigInteger(), nullable=False),
    sa.Column('lead_time_days', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('organization', 'gtin')
    )
    op.create_table('shipment',
    sa.Column('shipment_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('batch_id', sa.String(length=66), nullable=False),
    sa.Column('shipper', sa.String(length=42), nullable=False),
    sa.Column('consignee', sa.String(length=42), nullable=False),
    sa.Column('quantity', sa.BigInteger(), nullable=False),
    sa.Column('tender_id', sa.BigInteger(), nullable=False),
    sa.Column('document_cid', sa.String(length=128), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('shipped_at', sa.BigInteger(), nullable=False),
    sa.Column('settled_at', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('shipment_id')
    )
    with op.batch_alter_table('shipment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shipment_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_shipment_consignee'), ['consignee'], unique=False)
        batch_op.create_index(batch_op.f('ix_shipment_shipper'), ['shipper'], unique=False)

    op.create_table('stock_movement',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('block_number', sa.BigInteger(), nullable=False),
    sa.Column('log_index', sa.Integer(), nullable=False),
    sa.Column('timestamp', sa.BigInteger(), nullable=False),
    sa.Column('organization', sa.String(length=42), nullable=False),
    sa.Column('gtin', sa.String(length=14), nullable=False),
    sa.Column('batch_id', sa.String(length=66), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('quantity', sa.BigInteger(), nullable=False),
    sa.Column('counterparty', sa.String(length=42), nullable=False),
    sa.Column('shipment_id', sa.BigInteger(), nullable=True),
    sa.Column('tender_id', sa.BigInteger(), nullable=False),
    sa.Column('reason', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('block_number', 'log_index', 'organization', name='uq_stock_movement_position')
    )
    with op.batch_alter_table('stock_movement', schema=None) as batch_op:
        batch_op.create_index('ix_stock_movement_org_gtin_time', ['organization', 'gtin', 'timestamp'], unique=False)
        batch_op.create_index('ix_stock_movement_time', ['timestamp'], unique=False)

    op.create_table('tender',
    sa.Column('tender_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('hospital', sa.String(length=42), nullable=False),
    sa.Column('gtin', sa.String(length=14), nullable=False),
    sa.Column('specification_cid', sa.String(length=128), nullable=False),
    sa.Column('accepted_gtins', sa.Text(), nullable=False),
    sa.Column('quantity', sa.BigInteger(), nullable=False),
    sa.Column('max_price', Uint256(), nullable=False),
    sa.Column('bid_deadline', sa.BigInteger(), nullable=False),
    sa.Column('reveal_deadline', sa.BigInteger(), nullable=False),
    sa.Column('delivery_deadline', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('bids', sa.Integer(), nullable=False),
    sa.Column('winner', sa.String(length=42), nullable=False),
    sa.Column('price', Uint256(), nullable=True),
    sa.Column('awarded_at', sa.BigInteger(), nullable=True),
    sa.Column('delivered', sa.BigInteger(), nullable=False),
    sa.Column('closed_at', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('tender_id')
    )
    with op.batch_alter_table('tender', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tender_gtin'), ['gtin'], unique=False)
        batch_op.create_index(batch_op.f('ix_tender_hospital'), ['hospital'], unique=False)

    op.create_table('tender_bid',
    sa.Column('tender_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('bidder', sa.String(length=42), nullable=False),
    sa.Column('committed_at', sa.BigInteger(), nullable=False),
    sa.Column('price', Uint256(), nullable=True),
    sa.Column('revealed_at', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('tender_id', 'bidder')
    )



def downgrade() -> None:

    op.drop_table('tender_bid')
    with op.batch_alter_table('tender', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tender_hospital'))
        batch_op.drop_index(batch_op.f('ix_tender_gtin'))

    op.drop_table('tender')
    with op.batch_alter_table('stock_movement', schema=None) as batch_op:
        batch_op.drop_index('ix_stock_movement_time')
        batch_op.drop_index('ix_stock_movement_org_gtin_time')

    op.drop_table('stock_movement')
    with op.batch_alter_table('shipment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shipment_shipper'))
        batch_op.drop_index(batch_op.f('ix_shipment_consignee'))
        batch_op.drop_index(batch_op.f('ix_shipment_batch_id'))

    op.drop_table('shipment')
    op.drop_table('reserve_norm')
    with op.batch_alter_table('purchase_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_purchase_request_organization'))
        batch_op.drop_index(batch_op.f('ix_purchase_request_gtin'))

    op.drop_table('purchase_request')
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_product_manufacturer'))

    op.drop_table('product')
    with op.batch_alter_table('price_quote', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_price_quote_gtin'))

    op.drop_table('price_quote')
    op.drop_table('organization')
    op.drop_table('indexer_cursor')
    with op.batch_alter_table('chain_event', schema=None) as batch_op:
        batch_op.drop_index('ix_chain_event_contract_name')

    op.drop_table('chain_event')
    op.drop_table('chain_block')
    with op.batch_alter_table('batch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_batch_gtin'))

    op.drop_table('batch')

