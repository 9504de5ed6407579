"""Score delivery: failed attempts and since when a score is failing

Revision ID: 85801bd728e1
Revises: 3d328f7f3099
Create Date: 2026-11-28 03:11:20.634302
"""
import sqlalchemy as sa
from alembic import op


revision = '85801bd728e1'
down_revision = '3d328f7f3099'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('lti_outgoing_scores', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failures', sa.Integer(), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('failing_since', sa.DateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('lti_outgoing_scores', schema=None) as batch_op:
        batch_op.drop_column('failing_since')
        batch_op.drop_column('failures')
