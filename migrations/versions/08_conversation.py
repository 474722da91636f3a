"""conversation: the newcomer's anonymous, expiring conversation state

Revision ID: a5c1_conversation
Revises: 0004_offer_editing
Create Date: 2026-12-02 10:00:00

Keyed by the SHA-256 of a random cookie token; see app/assistant/models.py.
"""

from alembic import op
import sqlalchemy as sa


revision = 'a5c1_conversation'
down_revision = '0004_offer_editing'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('conversation',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('expires', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kommune_id', sa.String(length=40), nullable=True),
    sa.Column('gemeinde_id', sa.String(length=40), nullable=True),
    sa.Column('place_unknown', sa.Boolean(), nullable=False),
    sa.Column('age', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=40), nullable=True),
    sa.Column('asked', sa.JSON(), nullable=False),
    sa.Column('turns', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_conversation_expires', 'conversation', ['expires'])


def downgrade() -> None:
    op.drop_index('ix_conversation_expires', table_name='conversation')
    op.drop_table('conversation')
