"""Rendered syllabi: the PDF cache

Revision ID: 4bfbb5326382
Revises: d9885e8233b0
Create Date: 2026-11-28 01:20:45.796293
"""
from alembic import op
import sqlalchemy as sa


revision = '4bfbb5326382'
down_revision = 'd9885e8233b0'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rendered_syllabi',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('package_version_id', sa.Integer(), nullable=False),
    sa.Column('lang', sa.String(length=10), nullable=False),
    sa.Column('template_revision', sa.String(length=64), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.Column('etag', sa.String(length=80), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['package_version_id'], ['package_versions.id'], name=op.f('fk_rendered_syllabi_package_version_id_package_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rendered_syllabi')),
    sa.UniqueConstraint('package_version_id', 'lang', 'template_revision', name=op.f('uq_rendered_syllabi_package_version_id_lang_template_revision'))
    )


def downgrade() -> None:
    op.drop_table('rendered_syllabi')
