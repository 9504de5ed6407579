"""Demo LMS: its signing keys, the links placed in its course, and the scores it receives

Revision ID: d9885e8233b0
Revises: bd80a837fdc9
Create Date: 2026-11-28 00:29:04.948267
"""
from alembic import op
import sqlalchemy as sa


revision = 'd9885e8233b0'
down_revision = 'bd80a837fdc9'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('demo_lms_placed_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('url', sa.String(length=2000), nullable=True),
    sa.Column('custom', sa.JSON(), nullable=False),
    sa.Column('line_item_label', sa.String(length=500), nullable=True),
    sa.Column('score_maximum', sa.Float(), nullable=True),
    sa.Column('resource_id', sa.String(length=255), nullable=True),
    sa.Column('tag', sa.String(length=255), nullable=True),
    sa.Column('response_nonce', sa.String(length=255), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_demo_lms_placed_links'))
    )
    with op.batch_alter_table('demo_lms_placed_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_demo_lms_placed_links_response_nonce'), ['response_nonce'], unique=False)

    op.create_table('demo_lms_platform_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kid', sa.String(length=100), nullable=False),
    sa.Column('private_key_pem', sa.Text(), nullable=False),
    sa.Column('public_jwk', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_demo_lms_platform_keys')),
    sa.UniqueConstraint('kid', name=op.f('uq_demo_lms_platform_keys_kid'))
    )
    op.create_table('demo_lms_scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('placed_link_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.String(length=40), nullable=False),
    sa.Column('score_given', sa.Float(), nullable=True),
    sa.Column('score_maximum', sa.Float(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('activity_progress', sa.String(length=40), nullable=True),
    sa.Column('grading_progress', sa.String(length=40), nullable=True),
    sa.Column('timestamp', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['placed_link_id'], ['demo_lms_placed_links.id'], name=op.f('fk_demo_lms_scores_placed_link_id_demo_lms_placed_links'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_demo_lms_scores')),
    sa.UniqueConstraint('placed_link_id', 'user_id', name=op.f('uq_demo_lms_scores_placed_link_id_user_id'))
    )
    with op.batch_alter_table('demo_lms_scores', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_demo_lms_scores_placed_link_id'), ['placed_link_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('demo_lms_scores', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_demo_lms_scores_placed_link_id'))

    op.drop_table('demo_lms_scores')
    op.drop_table('demo_lms_platform_keys')
    with op.batch_alter_table('demo_lms_placed_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_demo_lms_placed_links_response_nonce'))

    op.drop_table('demo_lms_placed_links')
