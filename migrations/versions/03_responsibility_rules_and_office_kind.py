"""responsibility rules with history; office kind of a service (NRW profile)

Revision ID: 0003_rules
Revises: 0002_staff
Create Date: 2026-11-25 12:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0003_rules'
down_revision = '0002_staff'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.add_column(sa.Column('office_kind', sa.String(length=40), nullable=True))
        batch_op.create_index('ix_service_office_kind', ['office_kind'], unique=False)

    op.create_table('responsibility_rule',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('type', sa.String(length=10), nullable=False),
    sa.Column('subject', sa.String(length=40), nullable=False),
    sa.Column('scope', sa.String(length=10), nullable=False),
    sa.Column('scope_id', sa.String(length=40), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('origin', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=120), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key', name='uq_responsibility_rule_key')
    )
    with op.batch_alter_table('responsibility_rule', schema=None) as batch_op:
        batch_op.create_index('ix_responsibility_rule_subject', ['subject'], unique=False)
        batch_op.create_index('ix_responsibility_rule_scope_id', ['scope_id'], unique=False)

    op.create_table('responsibility_rule_history',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('rule_key', sa.String(length=80), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_by', sa.String(length=120), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('responsibility_rule_history', schema=None) as batch_op:
        batch_op.create_index('ix_responsibility_rule_history_rule_key', ['rule_key'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('responsibility_rule_history', schema=None) as batch_op:
        batch_op.drop_index('ix_responsibility_rule_history_rule_key')
    op.drop_table('responsibility_rule_history')
    with op.batch_alter_table('responsibility_rule', schema=None) as batch_op:
        batch_op.drop_index('ix_responsibility_rule_scope_id')
        batch_op.drop_index('ix_responsibility_rule_subject')
    op.drop_table('responsibility_rule')
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.drop_index('ix_service_office_kind')
        batch_op.drop_column('office_kind')
