"""referral residence status: the status the person chose on the form (issue 12, deliverable 5)

Revision ID: e2a7_referral_residence_status
Revises: d3a8_procrastinate
Create Date: 2026-12-07 08:40:00

See app/referrals/models.py (Referral.residence_status, encrypted like the other
personal fields; stored only with the extra Art. 9 consent).
"""

from alembic import op
import sqlalchemy as sa


revision = 'e2a7_referral_residence_status'
down_revision = 'd3a8_procrastinate'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('referral') as batch:
        batch.add_column(sa.Column('residence_status', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('referral') as batch:
        batch.drop_column('residence_status')
