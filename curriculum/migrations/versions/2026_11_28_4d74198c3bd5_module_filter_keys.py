"""module filter keys

The agencies (owner and partners), themes, languages and audiences of a module, copied from
the link tables into one column of keys (``agency:12``, ``language:fr`` ...), so that
PostgreSQL answers a search's filters from a GIN index together with the trigram index
(a BitmapAnd) before it reads a row. See curriculum/inventory/search.py.

Revision ID: 4d74198c3bd5
Revises: 3f3535226d3e
Create Date: 2026-11-28 03:45:56.667949
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '4d74198c3bd5'
down_revision = '3f3535226d3e'
branch_labels = None
depends_on = None

#: The keys of every module in the order Module.filter_keys_from_links gives them.
MODULE_KEYS = """
    SELECT 0 AS part, 0 AS position, 'agency:' || modules.owner_agency_id AS key
    UNION ALL
    SELECT 1, position, 'agency:' || agency_id FROM module_partners
    WHERE module_id = modules.id AND agency_id <> modules.owner_agency_id
    UNION ALL
    SELECT 2, position, 'theme:' || theme_id FROM module_themes WHERE module_id = modules.id
    UNION ALL
    SELECT 3, position, 'language:' || code FROM module_languages WHERE module_id = modules.id
    UNION ALL
    SELECT 4, position, 'audience:' || key FROM module_audiences WHERE module_id = modules.id
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.add_column('modules', sa.Column('filter_keys', postgresql.ARRAY(sa.Text()),
                                           server_default='{}', nullable=False))
        op.execute("UPDATE modules SET filter_keys = (SELECT array_agg(key ORDER BY part, "
                   f"position) FROM ({MODULE_KEYS}) AS module_keys)")
        op.alter_column('modules', 'filter_keys', server_default=None)
        op.create_index('ix_modules_filter_keys', 'modules', ['filter_keys'],
                        postgresql_using='gin')
    else:
        # SQLite adds a NOT NULL column only with a default, and keeps it: dropping it would
        # rebuild the table, and with it lose the triggers of the module_search table.
        op.add_column('modules', sa.Column('filter_keys', sa.JSON(), server_default='[]',
                                           nullable=False))
        op.execute("UPDATE modules SET filter_keys = (SELECT json_group_array(key) FROM "
                   f"(SELECT key FROM ({MODULE_KEYS}) ORDER BY part, position))")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index('ix_modules_filter_keys', table_name='modules')
    op.drop_column('modules', 'filter_keys')
