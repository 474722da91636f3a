"""editors: offer change history, the Kommunen's KI settings, admin-edited reference rows

Revision ID: 0004_offer_editing
Revises: 0004_first_contact
Create Date: 2026-12-02 10:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0004_offer_editing'
down_revision = '0004_first_contact'
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
KI_COLUMNS = (('ki_name', 200), ('ki_email', 254), ('ki_phone', 60), ('ki_street', 300),
              ('ki_postal_code', 5), ('ki_city', 200))


def upgrade() -> None:
    op.create_table('offer_change',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('service_id', sa.String(length=36), nullable=False),
    sa.Column('kommune_id', sa.String(length=40), nullable=True),
    sa.Column('at', TZ, nullable=False),
    sa.Column('actor_id', sa.String(length=36), nullable=False),
    sa.Column('actor_name', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('undo_of', sa.Integer(), nullable=True),
    sa.Column('undone_by', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_offer_change_service_id', 'offer_change', ['service_id'])
    op.create_index('ix_offer_change_kommune_id', 'offer_change', ['kommune_id'])
    with op.batch_alter_table('kommune') as batch_op:
        for name, length in KI_COLUMNS:
            batch_op.add_column(sa.Column(name, sa.String(length=length), nullable=True))
        batch_op.add_column(sa.Column('edited_at', TZ, nullable=True))
    with op.batch_alter_table('gemeinde') as batch_op:
        batch_op.add_column(sa.Column('edited_at', TZ, nullable=True))
    op.create_index('ix_service_last_verified', 'service', ['last_verified'])


def downgrade() -> None:
    op.drop_index('ix_service_last_verified', table_name='service')
    with op.batch_alter_table('gemeinde') as batch_op:
        batch_op.drop_column('edited_at')
    with op.batch_alter_table('kommune') as batch_op:
        batch_op.drop_column('edited_at')
        for name, _ in reversed(KI_COLUMNS):
            batch_op.drop_column(name)
    op.drop_index('ix_offer_change_kommune_id', table_name='offer_change')
    op.drop_index('ix_offer_change_service_id', table_name='offer_change')
    op.drop_table('offer_change')
