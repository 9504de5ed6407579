"""Running the Alembic migrations from the CLI and the tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection, Engine

from curriculum.db import Base

MIGRATIONS = Path(__file__).parent / "migrations"

#: Objects that only one database has on purpose: SQLite's FTS5 search table (and its shadow
#: tables), PostgreSQL's trigram and filter key indexes. Comparing models and migrations
#: ignores them.
DIALECT_SPECIFIC = ("module_search", "ix_modules_search_text_trgm", "ix_modules_filter_keys")


def include_object(obj: Any, name: str | None, type_: str, reflected: bool,
                   compare_to: Any) -> bool:
    """Alembic filter: leave out the objects that exist on one database only."""
    return not (name or "").startswith(DIALECT_SPECIFIC)


def alembic_config(url: str | None = None, connection: Connection | None = None) -> Config:
    """An Alembic config for our migrations, on a URL or an open connection."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s")
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database schema up to ``revision``."""
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection=connection), revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Take the database schema down to ``revision``."""
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection=connection), revision)


def new_revision(engine: Engine, message: str) -> None:
    """Write a new migration from the difference between the models and the database."""
    with engine.begin() as connection:
        command.revision(alembic_config(connection=connection), message=message,
                         autogenerate=True)


def schema_differences(connection: Connection) -> list[Any]:
    """What the models have that the database lacks, or the other way round."""
    context = MigrationContext.configure(connection, opts={
        "include_object": include_object, "compare_type": True})
    return list(compare_metadata(context, Base.metadata))
