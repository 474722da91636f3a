"""referrals, internal notes, mail outbox

Revision ID: 0003_referrals
Revises: 8a01_analytics
Create Date: 2026-12-02 07:30:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0003_referrals'
down_revision = '8a01_analytics'
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table('referral',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('idempotency_hash', sa.String(length=64), nullable=True),
    sa.Column('request_hash', sa.String(length=64), nullable=True),
    sa.Column('kommune_id', sa.String(length=40), nullable=False),
    sa.Column('gemeinde_id', sa.String(length=40), nullable=True),
    sa.Column('language', sa.String(length=16), nullable=False),
    sa.Column('topics', sa.JSON(), nullable=False),
    sa.Column('contact_channel', sa.String(length=20), nullable=True),
    sa.Column('interpreter', sa.Boolean(), nullable=False),
    sa.Column('name', sa.Text(), nullable=True),
    sa.Column('contact', sa.Text(), nullable=True),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('age', sa.Text(), nullable=True),
    sa.Column('on_behalf_name', sa.Text(), nullable=True),
    sa.Column('on_behalf_contact', sa.Text(), nullable=True),
    sa.Column('secret', sa.Text(), nullable=True),
    sa.Column('consent_at', TZ, nullable=False),
    sa.Column('consent_version', sa.String(length=40), nullable=False),
    sa.Column('consent_sha256', sa.String(length=64), nullable=False),
    sa.Column('consent_locale', sa.String(length=16), nullable=False),
    sa.Column('consent_channel', sa.String(length=20), nullable=False),
    sa.Column('consent_special', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('assigned_to', sa.String(length=36), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', TZ, nullable=False),
    sa.Column('status_changed_at', TZ, nullable=False),
    sa.Column('erased_at', TZ, nullable=True),
    sa.ForeignKeyConstraint(['kommune_id'], ['kommune.id'], ),
    sa.ForeignKeyConstraint(['assigned_to'], ['staff_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('reference'),
    sa.UniqueConstraint('idempotency_hash'),
    )
    op.create_index('ix_referral_kommune_id', 'referral', ['kommune_id'])
    op.create_index('ix_referral_status', 'referral', ['status'])

    op.create_table('referral_note',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('referral_id', sa.String(length=36), nullable=False),
    sa.Column('author_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', TZ, nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], ),
    sa.ForeignKeyConstraint(['author_id'], ['staff_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_referral_note_referral_id', 'referral_note', ['referral_id'])

    op.create_table('outbox_mail',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', TZ, nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', TZ, nullable=False),
    sa.Column('sent_at', TZ, nullable=True),
    sa.Column('last_error', sa.String(length=300), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_outbox_mail_next_attempt_at', 'outbox_mail', ['next_attempt_at'])
    op.create_index('ix_outbox_mail_sent_at', 'outbox_mail', ['sent_at'])


def downgrade() -> None:
    op.drop_index('ix_outbox_mail_sent_at', 'outbox_mail')
    op.drop_index('ix_outbox_mail_next_attempt_at', 'outbox_mail')
    op.drop_table('outbox_mail')
    op.drop_index('ix_referral_note_referral_id', 'referral_note')
    op.drop_table('referral_note')
    op.drop_index('ix_referral_status', 'referral')
    op.drop_index('ix_referral_kommune_id', 'referral')
    op.drop_table('referral')
