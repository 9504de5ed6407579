"""SQLite runs with WAL, a busy timeout, foreign keys, and writers that begin immediately."""

import threading

import pytest
from sqlalchemy import text

from curriculum import migrate
from curriculum.db import Database, make_engine
from curriculum.inventory.services import create_theme


@pytest.fixture
def sqlite_database(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'tuned.sqlite3'}", busy_timeout_ms=10_000)
    migrate.upgrade(engine)
    yield Database(engine)
    engine.dispose()


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(sqlite_database):
    with sqlite_database.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10_000


def test_write_sessions_take_the_write_lock_when_they_begin(sqlite_database):
    statements = []
    from sqlalchemy import event

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(sqlite_database.engine, "before_cursor_execute", record)
    with sqlite_database.transaction() as session:
        session.execute(text("SELECT 1"))
    reader = sqlite_database.new_session(write=False)
    reader.execute(text("SELECT 1"))
    reader.close()
    event.remove(sqlite_database.engine, "before_cursor_execute", record)
    assert statements[0] == "BEGIN IMMEDIATE"
    assert "BEGIN DEFERRED" in statements


def test_four_concurrent_writers_never_see_database_is_locked(sqlite_database):
    errors: list[Exception] = []

    def write(worker: int) -> None:
        try:
            for index in range(15):
                with sqlite_database.transaction() as session:
                    create_theme(session, {"name": f"theme {worker}-{index}"})
        except Exception as error:  # the test reports any failure
            errors.append(error)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with sqlite_database.engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM themes").scalar() == 60


def test_foreign_keys_are_enforced(sqlite_database):
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), sqlite_database.transaction() as session:
        session.execute(text("INSERT INTO module_themes (module_id, theme_id, position) "
                             "VALUES (999, 999, 0)"))
