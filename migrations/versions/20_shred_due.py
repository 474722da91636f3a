"""shred due: erasures that wait for the next crypto-shred (PRIV-11 on PostgreSQL and in backups)

Revision ID: e3b1_shred_due
Revises: e2a7_referral_residence_status
Create Date: 2026-12-07 10:00:00

See app/referrals/shred.py: every erasure (app/referrals/erasure.py) records a row
here in its own transaction; the periodic job `shred` rotates the data key and
deletes the rows once the old keys are retired. No personal data: an id and a time.
"""

from alembic import op
import sqlalchemy as sa


revision = 'e3b1_shred_due'
down_revision = 'e2a7_referral_residence_status'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('shred_due',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('marked_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('shred_due', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shred_due_marked_at'), ['marked_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('shred_due', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shred_due_marked_at'))
    op.drop_table('shred_due')
