"""casefile: the case file along the KIM phases, phase history, hand-over records,
minimum documentation per Kommune, and the blind index for the search by name (issue 14)

Revision ID: c14e_casefile
Revises: c7e2_job_queue
Create Date: 2026-12-07 04:29:21.779960
"""

from alembic import op
import sqlalchemy as sa


revision = 'c14e_casefile'
down_revision = 'c7e2_job_queue'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('case_handover',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('referral_id', sa.String(length=36), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('from_kommune', sa.String(length=40), nullable=False),
    sa.Column('to_kommune', sa.String(length=40), nullable=False),
    sa.Column('from_status', sa.String(length=30), nullable=False),
    sa.Column('sender_id', sa.String(length=36), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('summary_consent', sa.Boolean(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('accepted_by', sa.String(length=36), nullable=True),
    sa.Column('taken_back_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('case_handover', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_handover_from_kommune'), ['from_kommune'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_handover_referral_id'), ['referral_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_handover_to_kommune'), ['to_kommune'], unique=False)

    op.create_table('case_requirement',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('kommune_id', sa.String(length=40), nullable=False),
    sa.Column('phase', sa.String(length=30), nullable=False),
    sa.Column('field', sa.String(length=30), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('kommune_id', 'phase', 'field')
    )
    with op.batch_alter_table('case_requirement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_requirement_kommune_id'), ['kommune_id'], unique=False)

    op.create_table('case_assessment',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('referral_id', sa.String(length=36), nullable=False),
    sa.Column('kommune_id', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('author_id', sa.String(length=36), nullable=False),
    sa.Column('areas', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('case_assessment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_assessment_referral_id'), ['referral_id'], unique=False)

    op.create_table('case_event',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('referral_id', sa.String(length=36), nullable=False),
    sa.Column('kommune_id', sa.String(length=40), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.String(length=36), nullable=True),
    sa.Column('from_status', sa.String(length=30), nullable=True),
    sa.Column('to_status', sa.String(length=30), nullable=False),
    sa.Column('reason_code', sa.String(length=30), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('case_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_event_referral_id'), ['referral_id'], unique=False)

    op.create_table('case_file',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('referral_id', sa.String(length=36), nullable=False),
    sa.Column('kommune_id', sa.String(length=40), nullable=False),
    sa.Column('intake', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=36), nullable=True),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('referral_id', 'kommune_id')
    )
    with op.batch_alter_table('case_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_file_referral_id'), ['referral_id'], unique=False)

    op.create_table('case_followup',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('referral_id', sa.String(length=36), nullable=False),
    sa.Column('kommune_id', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('assigned_to', sa.String(length=36), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('case_followup', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_followup_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_followup_kommune_id'), ['kommune_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_followup_referral_id'), ['referral_id'], unique=False)

    op.create_table('case_goal',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('referral_id', sa.String(length=36), nullable=False),
    sa.Column('kommune_id', sa.String(length=40), nullable=False),
    sa.Column('goal', sa.Text(), nullable=True),
    sa.Column('measure', sa.Text(), nullable=True),
    sa.Column('who', sa.Text(), nullable=True),
    sa.Column('due', sa.Date(), nullable=True),
    sa.Column('agreed', sa.Boolean(), nullable=False),
    sa.Column('agreed_on', sa.Date(), nullable=True),
    sa.Column('done', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('case_goal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_goal_referral_id'), ['referral_id'], unique=False)

    op.create_table('case_link',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('referral_id', sa.String(length=36), nullable=False),
    sa.Column('kommune_id', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('offer_id', sa.String(length=80), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('case_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_link_referral_id'), ['referral_id'], unique=False)

    op.create_table('referral_name_token',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('referral_id', sa.String(length=36), nullable=False),
    sa.Column('kommune_id', sa.String(length=40), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('referral_name_token', schema=None) as batch_op:
        batch_op.create_index('ix_referral_name_token_lookup', ['kommune_id', 'token'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_name_token_referral_id'), ['referral_id'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('referral_name_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_name_token_referral_id'))
        batch_op.drop_index('ix_referral_name_token_lookup')

    op.drop_table('referral_name_token')
    with op.batch_alter_table('case_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_link_referral_id'))

    op.drop_table('case_link')
    with op.batch_alter_table('case_goal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_goal_referral_id'))

    op.drop_table('case_goal')
    with op.batch_alter_table('case_followup', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_followup_referral_id'))
        batch_op.drop_index(batch_op.f('ix_case_followup_kommune_id'))
        batch_op.drop_index(batch_op.f('ix_case_followup_due_at'))

    op.drop_table('case_followup')
    with op.batch_alter_table('case_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_file_referral_id'))

    op.drop_table('case_file')
    with op.batch_alter_table('case_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_event_referral_id'))

    op.drop_table('case_event')
    with op.batch_alter_table('case_assessment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_assessment_referral_id'))

    op.drop_table('case_assessment')
    with op.batch_alter_table('case_requirement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_requirement_kommune_id'))

    op.drop_table('case_requirement')
    with op.batch_alter_table('case_handover', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_handover_to_kommune'))
        batch_op.drop_index(batch_op.f('ix_case_handover_referral_id'))
        batch_op.drop_index(batch_op.f('ix_case_handover_from_kommune'))

    op.drop_table('case_handover')

