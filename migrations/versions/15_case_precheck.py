"""case precheck: the pre-check run inside a case, its result and date (issue 18, deliverable 3)

Revision ID: c4e9_case_precheck
Revises: b7d2_fresh
Create Date: 2026-12-07 06:00:00

See app/casework/models.py (CasePrecheck).
"""

from alembic import op
import sqlalchemy as sa


revision = 'c4e9_case_precheck'
down_revision = 'b7d2_fresh'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('case_precheck',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('referral_id', sa.String(length=36), nullable=False),
    sa.Column('kommune_id', sa.String(length=40), nullable=False),
    sa.Column('on_date', sa.Date(), nullable=False),
    sa.Column('law_as_of', sa.Date(), nullable=False),
    sa.Column('author_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answers', sa.Text(), nullable=True),
    sa.Column('result', sa.Text(), nullable=True),
    sa.Column('followup_id', sa.String(length=36), nullable=True),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_case_precheck_referral_id'), 'case_precheck', ['referral_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_case_precheck_referral_id'), table_name='case_precheck')
    op.drop_table('case_precheck')
