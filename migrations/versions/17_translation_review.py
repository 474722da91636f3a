"""translations to review: a translated field whose German text changed since

Revision ID: d2a7_translation_review
Revises: d5a2_precheck_rules
Create Date: 2026-12-07 08:00:00

See directory/reviews.py: the one writer of offers marks and clears these rows.
"""

from alembic import op
import sqlalchemy as sa


revision = 'd2a7_translation_review'
down_revision = 'd5a2_precheck_rules'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('translation_review',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('service_id', sa.String(length=36), nullable=False),
    sa.Column('lang', sa.String(length=16), nullable=False),
    sa.Column('field', sa.String(length=20), nullable=False),
    sa.Column('since', sa.DateTime(timezone=True), nullable=False),
    sa.Column('german_before', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('service_id', 'lang', 'field'),
    )
    op.create_index(op.f('ix_translation_review_service_id'), 'translation_review',
                    ['service_id'], unique=False)
    op.create_index(op.f('ix_translation_review_lang'), 'translation_review', ['lang'],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_translation_review_lang'), table_name='translation_review')
    op.drop_index(op.f('ix_translation_review_service_id'), table_name='translation_review')
    op.drop_table('translation_review')
