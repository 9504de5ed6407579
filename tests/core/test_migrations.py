"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from sqlalchemy import inspect

from curriculum import migrate
from curriculum.db import Base, make_engine


def test_the_migrated_schema_matches_the_models(engine):
    with engine.connect() as connection:
        assert migrate.schema_differences(connection) == []


def test_every_model_table_exists_after_migrating(engine):
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())


def test_migrations_go_down_to_nothing_and_up_again(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'roundtrip.sqlite3'}")
    migrate.upgrade(engine)
    migrate.downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(engine)
    with engine.connect() as connection:
        assert migrate.schema_differences(connection) == []
    engine.dispose()


def test_the_module_search_index_exists_on_each_database(engine):
    names = set(inspect(engine).get_table_names())
    if engine.dialect.name == "sqlite":
        assert "module_search" in names
    else:
        indexes = {index["name"] for index in inspect(engine).get_indexes("modules")}
        assert "ix_modules_search_text_trgm" in indexes
