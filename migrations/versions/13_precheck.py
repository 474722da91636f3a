"""precheck: anonymous counts of pre-checks (issue 18)

Revision ID: b3d8_precheck_event
Revises: b7e2_offer_feed
Create Date: 2026-12-07 05:00:00

One row per pre-check result: month, Kommune, open paths, referral; see
app/precheck/models.py.
"""

from alembic import op
import sqlalchemy as sa


revision = 'b3d8_precheck_event'
down_revision = 'b7e2_offer_feed'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('precheck_event',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('kommune_id', sa.String(length=40), nullable=True),
    sa.Column('open_25a', sa.Boolean(), nullable=False),
    sa.Column('open_25b', sa.Boolean(), nullable=False),
    sa.Column('open_stag10', sa.Boolean(), nullable=False),
    sa.Column('referral', sa.Boolean(), nullable=False),
    sa.Column('link', sa.String(length=64), nullable=True),
    sa.Column('link_until', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['kommune_id'], ['kommune.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_precheck_event_month', 'precheck_event', ['month'])
    op.create_index('ix_precheck_event_kommune_id', 'precheck_event', ['kommune_id'])
    op.create_index('ix_precheck_event_link', 'precheck_event', ['link'])


def downgrade() -> None:
    op.drop_index('ix_precheck_event_link', table_name='precheck_event')
    op.drop_index('ix_precheck_event_kommune_id', table_name='precheck_event')
    op.drop_index('ix_precheck_event_month', table_name='precheck_event')
    op.drop_table('precheck_event')
