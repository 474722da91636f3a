"""referral: when the case managers first reached the person (for the anonymous figures)

Revision ID: 0004_first_contact
Revises: 0003_referrals
Create Date: 2026-12-02 10:20:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0004_first_contact'
down_revision = '0003_referrals'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('referral') as batch:
        batch.add_column(sa.Column('first_contact_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('referral') as batch:
        batch.drop_column('first_contact_at')
