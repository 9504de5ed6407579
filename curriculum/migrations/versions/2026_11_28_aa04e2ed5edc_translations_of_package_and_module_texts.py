"""Translations of package and module texts; the syllabus cache keyed by the translations shown

Revision ID: aa04e2ed5edc
Revises: 85801bd728e1
Create Date: 2026-11-28 03:51:26.302130
"""
from alembic import op
import sqlalchemy as sa


revision = 'aa04e2ed5edc'
down_revision = '85801bd728e1'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('package_translations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('package_id', sa.Integer(), nullable=False),
    sa.Column('lang', sa.String(length=10), nullable=False),
    sa.Column('field', sa.String(length=60), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.Column('source_hash', sa.String(length=64), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['package_id'], ['packages.id'], name=op.f('fk_package_translations_package_id_packages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_package_translations')),
    sa.UniqueConstraint('package_id', 'lang', 'field', name=op.f('uq_package_translations_package_id_lang_field'))
    )
    op.create_table('module_translations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.Integer(), nullable=False),
    sa.Column('lang', sa.String(length=10), nullable=False),
    sa.Column('field', sa.String(length=60), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.Column('source_hash', sa.String(length=64), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['module_id'], ['modules.id'], name=op.f('fk_module_translations_module_id_modules'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_module_translations')),
    sa.UniqueConstraint('module_id', 'lang', 'field', name=op.f('uq_module_translations_module_id_lang_field'))
    )
    with op.batch_alter_table('rendered_syllabi', schema=None) as batch_op:
        batch_op.add_column(sa.Column('translations_key', sa.String(length=64), server_default='', nullable=False))
        batch_op.drop_constraint(batch_op.f('uq_rendered_syllabi_package_version_id_lang_template_revision'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_rendered_syllabi_package_version_id_lang_template_revision_translations_key'), ['package_version_id', 'lang', 'template_revision', 'translations_key'])


def downgrade() -> None:
    # Without the key, syllabi that differ only in their translations would clash.
    op.execute("DELETE FROM rendered_syllabi WHERE translations_key <> ''")
    with op.batch_alter_table('rendered_syllabi', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_rendered_syllabi_package_version_id_lang_template_revision_translations_key'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_rendered_syllabi_package_version_id_lang_template_revision'), ['package_version_id', 'lang', 'template_revision'])
        batch_op.drop_column('translations_key')

    op.drop_table('module_translations')
    op.drop_table('package_translations')
