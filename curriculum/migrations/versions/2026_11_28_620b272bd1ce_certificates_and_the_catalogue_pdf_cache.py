"""Certificates of completion (with their PDF) and the catalogue PDF cache

Revision ID: 620b272bd1ce
Revises: 50547d857bf4
Create Date: 2026-11-28 02:36:04.744431
"""
from alembic import op
import sqlalchemy as sa


revision = '620b272bd1ce'
down_revision = '50547d857bf4'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rendered_catalogues',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cache_key', sa.String(length=64), nullable=False),
    sa.Column('lang', sa.String(length=10), nullable=False),
    sa.Column('template_revision', sa.String(length=64), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rendered_catalogues')),
    sa.UniqueConstraint('cache_key', name=op.f('uq_rendered_catalogues_cache_key'))
    )
    op.create_table('certificates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('holder_key', sa.String(length=255), nullable=False),
    sa.Column('learner_name', sa.String(length=300), nullable=False),
    sa.Column('package_version_id', sa.Integer(), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lang', sa.String(length=10), nullable=False),
    sa.Column('agencies', sa.JSON(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=True),
    sa.Column('pdf_key', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['package_version_id'], ['package_versions.id'], name=op.f('fk_certificates_package_version_id_package_versions'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificates')),
    sa.UniqueConstraint('code', name=op.f('uq_certificates_code')),
    sa.UniqueConstraint('holder_key', 'package_version_id', name=op.f('uq_certificates_holder_key_package_version_id'))
    )
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificates_package_version_id'), ['package_version_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificates_package_version_id'))

    op.drop_table('certificates')
    op.drop_table('rendered_catalogues')
