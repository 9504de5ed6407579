"""The login state is the nonce record: drop lti_used_nonces

A launch now uses its login's state up with one conditional UPDATE; the nonce lives in that
row, so a separate table of used nonces only cost a statement per launch.

Revision ID: a49f48530262
Revises: 4bfbb5326382
Create Date: 2026-11-28 02:37:04.415394
"""
import sqlalchemy as sa
from alembic import op

revision = 'a49f48530262'
down_revision = '4bfbb5326382'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('lti_used_nonces', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti_used_nonces_expires_at'))
    op.drop_table('lti_used_nonces')


def downgrade() -> None:
    op.create_table(
        'lti_used_nonces',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('registration_id', sa.Integer(), nullable=False),
        sa.Column('nonce', sa.String(length=255), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['registration_id'], ['lti_registrations.id'],
            name=op.f('fk_lti_used_nonces_registration_id_lti_registrations'),
            ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_used_nonces')),
        sa.UniqueConstraint('registration_id', 'nonce',
                            name=op.f('uq_lti_used_nonces_registration_id_nonce')))
    with op.batch_alter_table('lti_used_nonces', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_used_nonces_expires_at'), ['expires_at'],
                              unique=False)
