"""offer feed: one row per write of an offer, read by every running process

Revision ID: b7e2_offer_feed
Revises: c14e_casefile
Create Date: 2026-12-07 05:00:00

See directory/changes.py. AUTOINCREMENT on SQLite: a pruned number is never reused.
"""

from alembic import op
import sqlalchemy as sa


revision = 'b7e2_offer_feed'
down_revision = 'c14e_casefile'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('offer_feed',
    sa.Column('seq', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('offer_id', sa.String(length=36), nullable=False),
    sa.Column('kommune_id', sa.String(length=40), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('seq'),
    sqlite_autoincrement=True,
    )
    op.create_index(op.f('ix_offer_feed_at'), 'offer_feed', ['at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_offer_feed_at'), table_name='offer_feed')
    op.drop_table('offer_feed')
