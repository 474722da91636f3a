"""fresh: pending gap questions, public correction suggestions, provider links

Revision ID: b7d2_fresh
Revises: b3d8_precheck_event
Create Date: 2026-12-07 05:00:00

See app/analytics/models.py (PendingQuestion) and app/editors/models.py.
"""

from alembic import op
import sqlalchemy as sa


revision = 'b7d2_fresh'
down_revision = 'b3d8_precheck_event'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('analytics_pending_question',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('link', sa.String(length=64), nullable=False),
    sa.Column('link_until', sa.DateTime(timezone=True), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kommune_id', sa.String(length=40), nullable=True),
    sa.Column('lang', sa.String(length=12), nullable=False),
    sa.Column('text', sa.String(length=400), nullable=False),
    sa.ForeignKeyConstraint(['kommune_id'], ['kommune.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_analytics_pending_question_link', 'analytics_pending_question', ['link'])
    op.create_index('ix_analytics_pending_question_link_until', 'analytics_pending_question',
                    ['link_until'])
    op.create_table('offer_suggestion',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('service_id', sa.String(length=36), nullable=False),
    sa.Column('kommune_id', sa.String(length=40), nullable=True),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('text', sa.String(length=1000), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.String(length=36), nullable=True),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_offer_suggestion_service_id', 'offer_suggestion', ['service_id'])
    op.create_index('ix_offer_suggestion_kommune_id', 'offer_suggestion', ['kommune_id'])
    op.create_index('ix_offer_suggestion_status', 'offer_suggestion', ['status'])
    op.create_table('provider_link',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('service_id', sa.String(length=36), nullable=False),
    sa.Column('kommune_id', sa.String(length=40), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('asked_by', sa.String(length=36), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answer', sa.String(length=12), nullable=True),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    op.create_index('ix_provider_link_service_id', 'provider_link', ['service_id'])
    op.create_index('ix_provider_link_kommune_id', 'provider_link', ['kommune_id'])


def downgrade() -> None:
    op.drop_index('ix_provider_link_kommune_id', table_name='provider_link')
    op.drop_index('ix_provider_link_service_id', table_name='provider_link')
    op.drop_table('provider_link')
    op.drop_index('ix_offer_suggestion_status', table_name='offer_suggestion')
    op.drop_index('ix_offer_suggestion_kommune_id', table_name='offer_suggestion')
    op.drop_index('ix_offer_suggestion_service_id', table_name='offer_suggestion')
    op.drop_table('offer_suggestion')
    op.drop_index('ix_analytics_pending_question_link_until',
                  table_name='analytics_pending_question')
    op.drop_index('ix_analytics_pending_question_link', table_name='analytics_pending_question')
    op.drop_table('analytics_pending_question')
