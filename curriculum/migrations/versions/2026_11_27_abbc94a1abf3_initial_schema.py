"""Initial schema: inventory, accounts, packages with versions, tracks, module search index

Revision ID: abbc94a1abf3
Revises: 
Create Date: 2026-11-27 23:42:52.241564
"""
from alembic import op
import sqlalchemy as sa


revision = 'abbc94a1abf3'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('agencies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('code', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=True),
    sa.Column('is_gmg_member', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agencies')),
    sa.UniqueConstraint('code', name=op.f('uq_agencies_code')),
    sa.UniqueConstraint('slug', name=op.f('uq_agencies_slug'))
    )
    op.create_table('packages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('audience', sa.Text(), nullable=True),
    sa.Column('prerequisites', sa.JSON(), nullable=False),
    sa.Column('learning_objectives', sa.JSON(), nullable=False),
    sa.Column('completion_rule', sa.Enum('all_required', 'at_least', name='completion_rule', native_enum=False, length=20), nullable=False),
    sa.Column('completion_min_count', sa.Integer(), nullable=True),
    sa.Column('latest_version_number', sa.Integer(), nullable=True),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_packages')),
    sa.UniqueConstraint('slug', name=op.f('uq_packages_slug'))
    )
    op.create_table('themes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_themes')),
    sa.UniqueConstraint('name', name=op.f('uq_themes_name')),
    sa.UniqueConstraint('slug', name=op.f('uq_themes_slug'))
    )
    op.create_table('tracks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tracks')),
    sa.UniqueConstraint('slug', name=op.f('uq_tracks_slug'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('role', sa.Enum('editor', 'publisher', 'admin', name='user_role', native_enum=False, length=20), nullable=False),
    sa.Column('password_hash', sa.String(length=300), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('token_prefix', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('modules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.Enum('course', 'module', 'programme', 'toolkit', 'manual', name='module_kind', native_enum=False, length=20), nullable=True),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('learning_objectives', sa.JSON(), nullable=False),
    sa.Column('owner_agency_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=40), nullable=True),
    sa.Column('duration_minutes', sa.Integer(), nullable=True),
    sa.Column('delivery_mode', sa.String(length=60), nullable=True),
    sa.Column('year_first_offered', sa.Integer(), nullable=True),
    sa.Column('url', sa.String(length=2000), nullable=True),
    sa.Column('content_html', sa.Text(), nullable=True),
    sa.Column('licence', sa.String(length=300), nullable=True),
    sa.Column('sources', sa.JSON(), nullable=False),
    sa.Column('source_confidence', sa.String(length=20), nullable=True),
    sa.Column('status', sa.Enum('active', 'retired', name='module_status', native_enum=False, length=20), nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_agency_id'], ['agencies.id'], name=op.f('fk_modules_owner_agency_id_agencies'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_modules')),
    sa.UniqueConstraint('slug', name=op.f('uq_modules_slug'))
    )
    with op.batch_alter_table('modules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_modules_delivery_mode'), ['delivery_mode'], unique=False)
        batch_op.create_index(batch_op.f('ix_modules_duration_minutes'), ['duration_minutes'], unique=False)
        batch_op.create_index(batch_op.f('ix_modules_level'), ['level'], unique=False)
        batch_op.create_index(batch_op.f('ix_modules_owner_agency_id'), ['owner_agency_id'], unique=False)
        batch_op.create_index('ix_modules_status_title', ['status', 'title'], unique=False)

    op.create_table('package_agencies',
    sa.Column('package_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_package_agencies_agency_id_agencies'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['package_id'], ['packages.id'], name=op.f('fk_package_agencies_package_id_packages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('package_id', 'agency_id', name=op.f('pk_package_agencies'))
    )
    with op.batch_alter_table('package_agencies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_package_agencies_agency_id'), ['agency_id'], unique=False)

    op.create_table('package_sections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('package_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['package_id'], ['packages.id'], name=op.f('fk_package_sections_package_id_packages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_package_sections'))
    )
    with op.batch_alter_table('package_sections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_package_sections_package_id'), ['package_id'], unique=False)

    op.create_table('package_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('package_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('change_note', sa.Text(), nullable=False),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['package_id'], ['packages.id'], name=op.f('fk_package_versions_package_id_packages'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_package_versions_published_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_package_versions')),
    sa.UniqueConstraint('package_id', 'number', name=op.f('uq_package_versions_package_id_number'))
    )
    with op.batch_alter_table('package_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_package_versions_package_id'), ['package_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_package_versions_published_by_id'), ['published_by_id'], unique=False)

    op.create_table('track_packages',
    sa.Column('track_id', sa.Integer(), nullable=False),
    sa.Column('package_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['package_id'], ['packages.id'], name=op.f('fk_track_packages_package_id_packages'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['track_id'], ['tracks.id'], name=op.f('fk_track_packages_track_id_tracks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('track_id', 'package_id', name=op.f('pk_track_packages'))
    )
    with op.batch_alter_table('track_packages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_track_packages_package_id'), ['package_id'], unique=False)

    op.create_table('module_audiences',
    sa.Column('module_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['module_id'], ['modules.id'], name=op.f('fk_module_audiences_module_id_modules'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('module_id', 'key', name=op.f('pk_module_audiences'))
    )
    with op.batch_alter_table('module_audiences', schema=None) as batch_op:
        batch_op.create_index('ix_module_audiences_key_module_id', ['key', 'module_id'], unique=False)

    op.create_table('module_languages',
    sa.Column('module_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['module_id'], ['modules.id'], name=op.f('fk_module_languages_module_id_modules'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('module_id', 'code', name=op.f('pk_module_languages'))
    )
    with op.batch_alter_table('module_languages', schema=None) as batch_op:
        batch_op.create_index('ix_module_languages_code_module_id', ['code', 'module_id'], unique=False)

    op.create_table('module_partners',
    sa.Column('module_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_module_partners_agency_id_agencies'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['module_id'], ['modules.id'], name=op.f('fk_module_partners_module_id_modules'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('module_id', 'agency_id', name=op.f('pk_module_partners'))
    )
    with op.batch_alter_table('module_partners', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_module_partners_agency_id'), ['agency_id'], unique=False)

    op.create_table('module_themes',
    sa.Column('module_id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['module_id'], ['modules.id'], name=op.f('fk_module_themes_module_id_modules'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['theme_id'], ['themes.id'], name=op.f('fk_module_themes_theme_id_themes'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('module_id', 'theme_id', name=op.f('pk_module_themes'))
    )
    with op.batch_alter_table('module_themes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_module_themes_theme_id'), ['theme_id'], unique=False)

    op.create_table('package_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['module_id'], ['modules.id'], name=op.f('fk_package_items_module_id_modules'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['section_id'], ['package_sections.id'], name=op.f('fk_package_items_section_id_package_sections'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_package_items'))
    )
    with op.batch_alter_table('package_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_package_items_module_id'), ['module_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_package_items_section_id'), ['section_id'], unique=False)
    create_module_search_index()


def downgrade() -> None:
    drop_module_search_index()
    with op.batch_alter_table('package_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_package_items_section_id'))
        batch_op.drop_index(batch_op.f('ix_package_items_module_id'))

    op.drop_table('package_items')
    with op.batch_alter_table('module_themes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_module_themes_theme_id'))

    op.drop_table('module_themes')
    with op.batch_alter_table('module_partners', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_module_partners_agency_id'))

    op.drop_table('module_partners')
    with op.batch_alter_table('module_languages', schema=None) as batch_op:
        batch_op.drop_index('ix_module_languages_code_module_id')

    op.drop_table('module_languages')
    with op.batch_alter_table('module_audiences', schema=None) as batch_op:
        batch_op.drop_index('ix_module_audiences_key_module_id')

    op.drop_table('module_audiences')
    with op.batch_alter_table('track_packages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_track_packages_package_id'))

    op.drop_table('track_packages')
    with op.batch_alter_table('package_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_package_versions_published_by_id'))
        batch_op.drop_index(batch_op.f('ix_package_versions_package_id'))

    op.drop_table('package_versions')
    with op.batch_alter_table('package_sections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_package_sections_package_id'))

    op.drop_table('package_sections')
    with op.batch_alter_table('package_agencies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_package_agencies_agency_id'))

    op.drop_table('package_agencies')
    with op.batch_alter_table('modules', schema=None) as batch_op:
        batch_op.drop_index('ix_modules_status_title')
        batch_op.drop_index(batch_op.f('ix_modules_owner_agency_id'))
        batch_op.drop_index(batch_op.f('ix_modules_level'))
        batch_op.drop_index(batch_op.f('ix_modules_duration_minutes'))
        batch_op.drop_index(batch_op.f('ix_modules_delivery_mode'))

    op.drop_table('modules')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))

    op.drop_table('api_tokens')
    op.drop_table('users')
    op.drop_table('tracks')
    op.drop_table('themes')
    op.drop_table('packages')
    op.drop_table('agencies')


# The substring search over modules' title, summary and objectives (see
# curriculum/inventory/search.py): a trigram GIN index on PostgreSQL, an FTS5 trigram table
# kept in step by triggers on SQLite.

SQLITE_SEARCH_TRIGGERS = (
    """CREATE TRIGGER module_search_after_insert AFTER INSERT ON modules BEGIN
         INSERT INTO module_search(rowid, search_text) VALUES (new.id, new.search_text);
       END""",
    """CREATE TRIGGER module_search_after_delete AFTER DELETE ON modules BEGIN
         INSERT INTO module_search(module_search, rowid, search_text)
         VALUES ('delete', old.id, old.search_text);
       END""",
    """CREATE TRIGGER module_search_after_update AFTER UPDATE OF search_text ON modules BEGIN
         INSERT INTO module_search(module_search, rowid, search_text)
         VALUES ('delete', old.id, old.search_text);
         INSERT INTO module_search(rowid, search_text) VALUES (new.id, new.search_text);
       END""",
)


def create_module_search_index() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index("ix_modules_search_text_trgm", "modules", ["search_text"],
                        postgresql_using="gin", postgresql_ops={"search_text": "gin_trgm_ops"})
    elif dialect == "sqlite":
        op.execute("CREATE VIRTUAL TABLE module_search USING fts5("
                   "search_text, content='modules', content_rowid='id', tokenize='trigram')")
        for trigger in SQLITE_SEARCH_TRIGGERS:
            op.execute(trigger)
        op.execute("INSERT INTO module_search(module_search) VALUES ('rebuild')")


def drop_module_search_index() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.drop_index("ix_modules_search_text_trgm", table_name="modules")
    elif dialect == "sqlite":
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS module_search_after_{name}")
        op.execute("DROP TABLE IF EXISTS module_search")
