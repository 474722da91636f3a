"""precheck rules in the store: the law rules of the pre-check with full history (issue 18)

Revision ID: d5a2_precheck_rules
Revises: c4e9_case_precheck
Create Date: 2026-12-07 08:00:00

See app/precheck/models.py (PrecheckRule, PrecheckRuleHistory). The rows are seeded
from app/precheck/data/rules.json on the first start (app.precheck.store.seed).
"""

from alembic import op
import sqlalchemy as sa


revision = 'd5a2_precheck_rules'
down_revision = 'c4e9_case_precheck'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('precheck_rule',
    sa.Column('id', sa.String(length=80), nullable=False),
    sa.Column('path', sa.String(length=10), nullable=False),
    sa.Column('source', sa.String(length=120), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('checked_on', sa.Date(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('origin', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=120), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_precheck_rule_path'), 'precheck_rule', ['path'], unique=False)
    op.create_table('precheck_rule_history',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('rule_id', sa.String(length=80), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_by', sa.String(length=120), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_precheck_rule_history_rule_id'), 'precheck_rule_history',
                    ['rule_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_precheck_rule_history_rule_id'), table_name='precheck_rule_history')
    op.drop_table('precheck_rule_history')
    op.drop_index(op.f('ix_precheck_rule_path'), table_name='precheck_rule')
    op.drop_table('precheck_rule')
