"""LTI: partners, registrations, deployments, tool keys, invitations, launches and their state

Revision ID: bd80a837fdc9
Revises: abbc94a1abf3
Create Date: 2026-11-28 00:21:13.390511
"""
from alembic import op
import sqlalchemy as sa


revision = 'bd80a837fdc9'
down_revision = 'abbc94a1abf3'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('lti_partners',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('kind', sa.Enum('national_training_centre', 'regional_training_centre', 'agency', 'university', 'other', name='partner_kind', native_enum=False, length=40), nullable=False),
    sa.Column('migration_dedicated', sa.Boolean(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_partners')),
    sa.UniqueConstraint('slug', name=op.f('uq_lti_partners_slug'))
    )
    op.create_table('lti_tool_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kid', sa.String(length=100), nullable=False),
    sa.Column('private_key_pem', sa.Text(), nullable=False),
    sa.Column('public_jwk', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('active', 'retired', name='key_status', native_enum=False, length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_tool_keys')),
    sa.UniqueConstraint('kid', name=op.f('uq_lti_tool_keys_kid'))
    )
    op.create_table('lti_registrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('issuer', sa.String(length=500), nullable=False),
    sa.Column('client_id', sa.String(length=255), nullable=False),
    sa.Column('auth_login_url', sa.String(length=2000), nullable=False),
    sa.Column('auth_token_url', sa.String(length=2000), nullable=True),
    sa.Column('key_set_url', sa.String(length=2000), nullable=True),
    sa.Column('static_key_set', sa.JSON(), nullable=True),
    sa.Column('cached_key_set', sa.JSON(), nullable=True),
    sa.Column('key_set_fetched_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('product_family', sa.String(length=40), nullable=True),
    sa.Column('granted_scopes', sa.JSON(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['lti_partners.id'], name=op.f('fk_lti_registrations_partner_id_lti_partners'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_registrations')),
    sa.UniqueConstraint('issuer', 'client_id', name=op.f('uq_lti_registrations_issuer_client_id'))
    )
    with op.batch_alter_table('lti_registrations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_registrations_partner_id'), ['partner_id'], unique=False)

    op.create_table('lti_deployments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('deployment_id', sa.String(length=255), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['registration_id'], ['lti_registrations.id'], name=op.f('fk_lti_deployments_registration_id_lti_registrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_deployments')),
    sa.UniqueConstraint('registration_id', 'deployment_id', name=op.f('uq_lti_deployments_registration_id_deployment_id'))
    )
    with op.batch_alter_table('lti_deployments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_deployments_registration_id'), ['registration_id'], unique=False)

    op.create_table('lti_launch_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=True),
    sa.Column('issuer', sa.String(length=500), nullable=True),
    sa.Column('client_id', sa.String(length=255), nullable=True),
    sa.Column('step', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=60), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['registration_id'], ['lti_registrations.id'], name=op.f('fk_lti_launch_failures_registration_id_lti_registrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_launch_failures'))
    )
    with op.batch_alter_table('lti_launch_failures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_launch_failures_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_lti_launch_failures_registration_id'), ['registration_id'], unique=False)

    op.create_table('lti_oidc_states',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=100), nullable=False),
    sa.Column('nonce', sa.String(length=100), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('storage_secret_hash', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['registration_id'], ['lti_registrations.id'], name=op.f('fk_lti_oidc_states_registration_id_lti_registrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_oidc_states')),
    sa.UniqueConstraint('state', name=op.f('uq_lti_oidc_states_state'))
    )
    with op.batch_alter_table('lti_oidc_states', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_oidc_states_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_lti_oidc_states_registration_id'), ['registration_id'], unique=False)

    op.create_table('lti_registration_invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('registration_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['partner_id'], ['lti_partners.id'], name=op.f('fk_lti_registration_invitations_partner_id_lti_partners'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_id'], ['lti_registrations.id'], name=op.f('fk_lti_registration_invitations_registration_id_lti_registrations'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_registration_invitations')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_lti_registration_invitations_token_hash'))
    )
    with op.batch_alter_table('lti_registration_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_registration_invitations_partner_id'), ['partner_id'], unique=False)

    op.create_table('lti_used_nonces',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('nonce', sa.String(length=255), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['registration_id'], ['lti_registrations.id'], name=op.f('fk_lti_used_nonces_registration_id_lti_registrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_used_nonces')),
    sa.UniqueConstraint('registration_id', 'nonce', name=op.f('uq_lti_used_nonces_registration_id_nonce'))
    )
    with op.batch_alter_table('lti_used_nonces', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_used_nonces_expires_at'), ['expires_at'], unique=False)

    op.create_table('lti_users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('sub', sa.String(length=255), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=True),
    sa.Column('given_name', sa.String(length=200), nullable=True),
    sa.Column('family_name', sa.String(length=200), nullable=True),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('locale', sa.String(length=20), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_launch_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['registration_id'], ['lti_registrations.id'], name=op.f('fk_lti_users_registration_id_lti_registrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_users')),
    sa.UniqueConstraint('registration_id', 'sub', name=op.f('uq_lti_users_registration_id_sub'))
    )
    with op.batch_alter_table('lti_users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_users_registration_id'), ['registration_id'], unique=False)

    op.create_table('lti_contexts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('deployment_id', sa.Integer(), nullable=False),
    sa.Column('context_id', sa.String(length=255), nullable=False),
    sa.Column('label', sa.String(length=300), nullable=True),
    sa.Column('title', sa.String(length=500), nullable=True),
    sa.Column('types', sa.JSON(), nullable=False),
    sa.Column('memberships_url', sa.String(length=2000), nullable=True),
    sa.Column('lineitems_url', sa.String(length=2000), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['deployment_id'], ['lti_deployments.id'], name=op.f('fk_lti_contexts_deployment_id_lti_deployments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_id'], ['lti_registrations.id'], name=op.f('fk_lti_contexts_registration_id_lti_registrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_contexts')),
    sa.UniqueConstraint('registration_id', 'context_id', name=op.f('uq_lti_contexts_registration_id_context_id'))
    )
    with op.batch_alter_table('lti_contexts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_contexts_deployment_id'), ['deployment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lti_contexts_registration_id'), ['registration_id'], unique=False)

    op.create_table('lti_memberships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('context_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('roles', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['context_id'], ['lti_contexts.id'], name=op.f('fk_lti_memberships_context_id_lti_contexts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['lti_users.id'], name=op.f('fk_lti_memberships_user_id_lti_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_memberships')),
    sa.UniqueConstraint('context_id', 'user_id', name=op.f('uq_lti_memberships_context_id_user_id'))
    )
    with op.batch_alter_table('lti_memberships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_memberships_context_id'), ['context_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lti_memberships_user_id'), ['user_id'], unique=False)

    op.create_table('lti_resource_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('deployment_id', sa.Integer(), nullable=False),
    sa.Column('context_id', sa.Integer(), nullable=True),
    sa.Column('resource_link_id', sa.String(length=255), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=True),
    sa.Column('package_id', sa.Integer(), nullable=True),
    sa.Column('module_slug', sa.String(length=120), nullable=True),
    sa.Column('version_number', sa.Integer(), nullable=True),
    sa.Column('lineitem_url', sa.String(length=2000), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['context_id'], ['lti_contexts.id'], name=op.f('fk_lti_resource_links_context_id_lti_contexts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['deployment_id'], ['lti_deployments.id'], name=op.f('fk_lti_resource_links_deployment_id_lti_deployments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['package_id'], ['packages.id'], name=op.f('fk_lti_resource_links_package_id_packages'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['registration_id'], ['lti_registrations.id'], name=op.f('fk_lti_resource_links_registration_id_lti_registrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_resource_links')),
    sa.UniqueConstraint('registration_id', 'resource_link_id', name=op.f('uq_lti_resource_links_registration_id_resource_link_id'))
    )
    with op.batch_alter_table('lti_resource_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_resource_links_context_id'), ['context_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lti_resource_links_deployment_id'), ['deployment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lti_resource_links_package_id'), ['package_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lti_resource_links_registration_id'), ['registration_id'], unique=False)

    op.create_table('lti_launch_sessions',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('deployment_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('context_id', sa.Integer(), nullable=True),
    sa.Column('resource_link_id', sa.Integer(), nullable=True),
    sa.Column('message_type', sa.String(length=60), nullable=False),
    sa.Column('roles', sa.JSON(), nullable=False),
    sa.Column('is_instructor', sa.Boolean(), nullable=False),
    sa.Column('locale', sa.String(length=20), nullable=True),
    sa.Column('document_target', sa.String(length=20), nullable=True),
    sa.Column('return_url', sa.String(length=2000), nullable=True),
    sa.Column('custom', sa.JSON(), nullable=False),
    sa.Column('deep_linking_settings', sa.JSON(), nullable=True),
    sa.Column('ags_endpoint', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['context_id'], ['lti_contexts.id'], name=op.f('fk_lti_launch_sessions_context_id_lti_contexts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['deployment_id'], ['lti_deployments.id'], name=op.f('fk_lti_launch_sessions_deployment_id_lti_deployments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_id'], ['lti_registrations.id'], name=op.f('fk_lti_launch_sessions_registration_id_lti_registrations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resource_link_id'], ['lti_resource_links.id'], name=op.f('fk_lti_launch_sessions_resource_link_id_lti_resource_links'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['lti_users.id'], name=op.f('fk_lti_launch_sessions_user_id_lti_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_launch_sessions'))
    )
    with op.batch_alter_table('lti_launch_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_launch_sessions_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_lti_launch_sessions_registration_id'), ['registration_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lti_launch_sessions_user_id'), ['user_id'], unique=False)

    op.create_table('lti_line_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resource_link_id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('label', sa.String(length=500), nullable=True),
    sa.Column('score_maximum', sa.Float(), nullable=False),
    sa.Column('resource_id', sa.String(length=255), nullable=True),
    sa.Column('tag', sa.String(length=255), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['resource_link_id'], ['lti_resource_links.id'], name=op.f('fk_lti_line_items_resource_link_id_lti_resource_links'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_line_items'))
    )
    with op.batch_alter_table('lti_line_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_line_items_resource_link_id'), ['resource_link_id'], unique=False)

    op.create_table('lti_resource_link_users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resource_link_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('roles', sa.JSON(), nullable=False),
    sa.Column('is_instructor', sa.Boolean(), nullable=False),
    sa.Column('first_launch_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_launch_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('launch_count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['resource_link_id'], ['lti_resource_links.id'], name=op.f('fk_lti_resource_link_users_resource_link_id_lti_resource_links'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['lti_users.id'], name=op.f('fk_lti_resource_link_users_user_id_lti_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_resource_link_users')),
    sa.UniqueConstraint('resource_link_id', 'user_id', name=op.f('uq_lti_resource_link_users_resource_link_id_user_id'))
    )
    with op.batch_alter_table('lti_resource_link_users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_resource_link_users_resource_link_id'), ['resource_link_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lti_resource_link_users_user_id'), ['user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('lti_resource_link_users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti_resource_link_users_user_id'))
        batch_op.drop_index(batch_op.f('ix_lti_resource_link_users_resource_link_id'))

    op.drop_table('lti_resource_link_users')
    with op.batch_alter_table('lti_line_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti_line_items_resource_link_id'))

    op.drop_table('lti_line_items')
    with op.batch_alter_table('lti_launch_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti_launch_sessions_user_id'))
        batch_op.drop_index(batch_op.f('ix_lti_launch_sessions_registration_id'))
        batch_op.drop_index(batch_op.f('ix_lti_launch_sessions_expires_at'))

    op.drop_table('lti_launch_sessions')
    with op.batch_alter_table('lti_resource_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti_resource_links_registration_id'))
        batch_op.drop_index(batch_op.f('ix_lti_resource_links_package_id'))
        batch_op.drop_index(batch_op.f('ix_lti_resource_links_deployment_id'))
        batch_op.drop_index(batch_op.f('ix_lti_resource_links_context_id'))

    op.drop_table('lti_resource_links')
    with op.batch_alter_table('lti_memberships', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti_memberships_user_id'))
        batch_op.drop_index(batch_op.f('ix_lti_memberships_context_id'))

    op.drop_table('lti_memberships')
    with op.batch_alter_table('lti_contexts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti_contexts_registration_id'))
        batch_op.drop_index(batch_op.f('ix_lti_contexts_deployment_id'))

    op.drop_table('lti_contexts')
    with op.batch_alter_table('lti_users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti_users_registration_id'))

    op.drop_table('lti_users')
    with op.batch_alter_table('lti_used_nonces', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti_used_nonces_expires_at'))

    op.drop_table('lti_used_nonces')
    with op.batch_alter_table('lti_registration_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti_registration_invitations_partner_id'))

    op.drop_table('lti_registration_invitations')
    with op.batch_alter_table('lti_oidc_states', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti_oidc_states_registration_id'))
        batch_op.drop_index(batch_op.f('ix_lti_oidc_states_expires_at'))

    op.drop_table('lti_oidc_states')
    with op.batch_alter_table('lti_launch_failures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti_launch_failures_registration_id'))
        batch_op.drop_index(batch_op.f('ix_lti_launch_failures_created_at'))

    op.drop_table('lti_launch_failures')
    with op.batch_alter_table('lti_deployments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti_deployments_registration_id'))

    op.drop_table('lti_deployments')
    with op.batch_alter_table('lti_registrations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti_registrations_partner_id'))

    op.drop_table('lti_registrations')
    op.drop_table('lti_tool_keys')
    op.drop_table('lti_partners')
