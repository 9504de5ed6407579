"""Learner progress and the score outbox

Module progress per learner and placed link, the scores queued for the gradebooks, the AGS
scopes a link was granted, and how a module is completed (marked, or opened).

Revision ID: 50547d857bf4
Revises: a49f48530262
Create Date: 2026-11-28 02:58:56.105444
"""
import sqlalchemy as sa
from alembic import op


revision = '50547d857bf4'
down_revision = 'a49f48530262'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('lti_module_progress',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resource_link_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('module_slug', sa.String(length=120), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['resource_link_id'], ['lti_resource_links.id'], name=op.f('fk_lti_module_progress_resource_link_id_lti_resource_links'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['lti_users.id'], name=op.f('fk_lti_module_progress_user_id_lti_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_module_progress')),
    sa.UniqueConstraint('resource_link_id', 'user_id', 'module_slug', name=op.f('uq_lti_module_progress_resource_link_id_user_id_module_slug'))
    )
    with op.batch_alter_table('lti_module_progress', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_module_progress_user_id'), ['user_id'], unique=False)

    op.create_table('lti_outgoing_scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('resource_link_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('progress', sa.Float(), nullable=False),
    sa.Column('activity_progress', sa.String(length=20), nullable=False),
    sa.Column('grading_progress', sa.String(length=20), nullable=False),
    sa.Column('timestamp', sa.DateTime(timezone=True), nullable=False),
    sa.Column('state', sa.Enum('pending', 'delivered', 'failed', 'superseded', name='score_state', native_enum=False, length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lease_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_by', sa.String(length=120), nullable=True),
    sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_status', sa.Integer(), nullable=True),
    sa.Column('last_answer', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['registration_id'], ['lti_registrations.id'], name=op.f('fk_lti_outgoing_scores_registration_id_lti_registrations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resource_link_id'], ['lti_resource_links.id'], name=op.f('fk_lti_outgoing_scores_resource_link_id_lti_resource_links'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['lti_users.id'], name=op.f('fk_lti_outgoing_scores_user_id_lti_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_outgoing_scores'))
    )
    with op.batch_alter_table('lti_outgoing_scores', schema=None) as batch_op:
        batch_op.create_index('ix_lti_outgoing_scores_due', ['state', 'next_attempt_at'], unique=False)
        batch_op.create_index('ix_lti_outgoing_scores_learner', ['resource_link_id', 'user_id', 'state'], unique=False)
        batch_op.create_index('ix_lti_outgoing_scores_registration', ['registration_id', 'state'], unique=False)

    with op.batch_alter_table('lti_resource_link_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('score_timestamp', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('lti_resource_links', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ags_scopes', sa.JSON(), server_default='[]', nullable=False))

    with op.batch_alter_table('modules', schema=None) as batch_op:
        batch_op.add_column(sa.Column('completed_when', sa.String(length=10), server_default='marked', nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('modules', schema=None) as batch_op:
        batch_op.drop_column('completed_when')

    with op.batch_alter_table('lti_resource_links', schema=None) as batch_op:
        batch_op.drop_column('ags_scopes')

    with op.batch_alter_table('lti_resource_link_users', schema=None) as batch_op:
        batch_op.drop_column('score_timestamp')
        batch_op.drop_column('completed_at')

    with op.batch_alter_table('lti_outgoing_scores', schema=None) as batch_op:
        batch_op.drop_index('ix_lti_outgoing_scores_registration')
        batch_op.drop_index('ix_lti_outgoing_scores_learner')
        batch_op.drop_index('ix_lti_outgoing_scores_due')

    op.drop_table('lti_outgoing_scores')
    with op.batch_alter_table('lti_module_progress', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti_module_progress_user_id'))

    op.drop_table('lti_module_progress')
