"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from sqlalchemy import inspect, select

from curriculum import migrate
from curriculum.db import Base, Database, make_engine
from curriculum.inventory.models import Module
from curriculum.inventory.reference import load_agencies, reference_agencies
from curriculum.inventory.services import create_module, get_module, update_module
from tests.helpers import module_data


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


KEYS_BY_SLUG = select(Module.slug, Module.filter_keys)


def test_the_filter_keys_migration_fills_them_as_the_services_keep_them(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'filter-keys.sqlite3'}")
    migrate.upgrade(engine)
    database = Database(engine)
    with database.transaction() as session:
        load_agencies(session, reference_agencies())
        create_module(session, module_data(
            "One", owner_agency="ILO", partner_agencies=["UNHCR", "IOM"],
            themes=["Протидія торгівлі людьми", "gender"], languages=["ar", "en"],
            audience=["Straße workers", "移民官员 🧒"]))
        create_module(session, {"title": "Two", "owner_agency": "IOM"})
        update_module(session, get_module(session, "one"), {"owner_agency": "UNHCR"})
    with database.transaction() as session:
        kept = dict(session.execute(KEYS_BY_SLUG).all())

    migrate.downgrade(engine, "620b272bd1ce")
    migrate.upgrade(engine)

    with database.transaction() as session:
        assert dict(session.execute(KEYS_BY_SLUG).all()) == kept
    assert len(kept["one"]) == 2 + 2 + 2 + 2  # UNHCR owns it now and partners, IOM partners
    engine.dispose()
