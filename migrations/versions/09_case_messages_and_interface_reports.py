"""case_message and interface_report: the newcomer's message thread and the sensors' counts

Revision ID: b7e2_case_messages
Revises: a5c1_conversation
Create Date: 2026-12-07 04:40:00

See app/messages/models.py and app/sensors/models.py.
"""

from alembic import op
import sqlalchemy as sa


revision = 'b7e2_case_messages'
down_revision = 'a5c1_conversation'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('case_message',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('referral_id', sa.String(length=36), nullable=False),
    sa.Column('kommune_id', sa.String(length=40), nullable=False),
    sa.Column('direction', sa.String(length=3), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('in_reply_to', sa.String(length=36), nullable=True),
    sa.Column('language', sa.String(length=16), nullable=True),
    sa.Column('author_id', sa.String(length=36), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('body', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['staff_user.id'], ),
    sa.ForeignKeyConstraint(['kommune_id'], ['kommune.id'], ),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_case_message_referral_id', 'case_message', ['referral_id'])
    op.create_table('interface_report',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('kommune_id', sa.String(length=40), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('office', sa.String(length=30), nullable=False),
    sa.Column('problem', sa.String(length=30), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['kommune_id'], ['kommune.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('kommune_id', 'month', 'office', 'problem',
                        name='uq_interface_report_cell')
    )
    op.create_index('ix_interface_report_kommune_id', 'interface_report', ['kommune_id'])


def downgrade() -> None:
    op.drop_index('ix_interface_report_kommune_id', table_name='interface_report')
    op.drop_table('interface_report')
    op.drop_index('ix_case_message_referral_id', table_name='case_message')
    op.drop_table('case_message')
