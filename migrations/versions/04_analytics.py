"""analytics: anonymous search events and scrubbed unanswered questions

Revision ID: 8a01_analytics
Revises: 0003_rules
Create Date: 2026-12-02 06:30:00

No IP address, no session, no raw text: see app/analytics/models.py.
"""

from alembic import op
import sqlalchemy as sa


revision = '8a01_analytics'
down_revision = '0003_rules'
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table('analytics_event',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('hour', TZ, nullable=False),
    sa.Column('kommune_id', sa.String(length=40), nullable=True),
    sa.Column('ui_lang', sa.String(length=12), nullable=True),
    sa.Column('query_lang', sa.String(length=12), nullable=False),
    sa.Column('topic', sa.String(length=40), nullable=True),
    sa.Column('topics', sa.JSON(), nullable=False),
    sa.Column('confident', sa.Boolean(), nullable=False),
    sa.Column('crisis', sa.Boolean(), nullable=False),
    sa.Column('referral', sa.Boolean(), nullable=False),
    sa.Column('helped', sa.Boolean(), nullable=True),
    sa.Column('link', sa.String(length=64), nullable=True),
    sa.Column('link_until', TZ, nullable=True),
    sa.ForeignKeyConstraint(['kommune_id'], ['kommune.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_analytics_event_hour', 'analytics_event', ['hour'])
    op.create_index('ix_analytics_event_kommune_id', 'analytics_event', ['kommune_id'])
    op.create_index('ix_analytics_event_link', 'analytics_event', ['link'])
    op.create_table('analytics_question',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kommune_id', sa.String(length=40), nullable=True),
    sa.Column('lang', sa.String(length=12), nullable=False),
    sa.Column('text', sa.String(length=400), nullable=False),
    sa.Column('vector', sa.LargeBinary(), nullable=True),
    sa.Column('model', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['kommune_id'], ['kommune.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_analytics_question_day', 'analytics_question', ['day'])
    op.create_index('ix_analytics_question_kommune_id', 'analytics_question', ['kommune_id'])


def downgrade() -> None:
    op.drop_index('ix_analytics_question_kommune_id', table_name='analytics_question')
    op.drop_index('ix_analytics_question_day', table_name='analytics_question')
    op.drop_table('analytics_question')
    op.drop_index('ix_analytics_event_link', table_name='analytics_event')
    op.drop_index('ix_analytics_event_kommune_id', table_name='analytics_event')
    op.drop_index('ix_analytics_event_hour', table_name='analytics_event')
    op.drop_table('analytics_event')
