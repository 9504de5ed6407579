"""Database: the declarative base, the engine and the one transaction boundary per request or job.

SQLite is tuned for several writers (WAL, a busy timeout, foreign keys, and write transactions
that take the write lock at ``BEGIN IMMEDIATE`` instead of failing half-way with "database is
locked"); PostgreSQL is used as it is.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import DateTime, Enum, MetaData, TypeDecorator, create_engine, event, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

M = TypeVar("M", bound="Base")
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite keeps none)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, _dialect: Any) -> datetime | None:
        """Store every timestamp in UTC."""
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value: datetime | None, _dialect: Any) -> datetime | None:
        """Read timestamps back as UTC-aware datetimes."""
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    """The declarative base of every model; its metadata names constraints predictably."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


def string_enum(cls: type[enum.Enum], name: str, length: int = 20) -> Enum:
    """An enum column stored as its values in a VARCHAR (no database enum type to migrate)."""
    return Enum(cls, name=name, native_enum=False, length=length,
                values_callable=lambda members: [m.value for m in members])


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def dialect_insert(session: Session) -> Any:
    """The ``insert`` of the session's dialect (PostgreSQL's or SQLite's: both have
    ``ON CONFLICT``)."""
    return postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def insert_unless_present(session: Session, model: type[Base], values: dict[str, Any]) -> bool:
    """``INSERT ... ON CONFLICT DO NOTHING`` (PostgreSQL and SQLite): one statement, no
    savepoint; returns whether the row was inserted (``False``: a unique key existed)."""
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    result = session.execute(insert(model).values(**values).on_conflict_do_nothing())
    return bool(result.rowcount)  # type: ignore[attr-defined]  # a CursorResult


def upsert(session: Session, model: type[M], key: dict[str, Any], values: dict[str, Any],
           update: dict[str, Any] | None = None) -> M:
    """``INSERT ... ON CONFLICT (key) DO UPDATE ... RETURNING``: the row, new or updated, in
    one statement; ``values`` are written on insert, ``update`` (default ``values``) when the
    row exists. ``update`` may hold SQL expressions (``Model.count + 1``)."""
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(model).values(**key, **values).on_conflict_do_update(
        index_elements=list(key), set_=update if update is not None else values)
    return session.scalars(statement.returning(model),
                           execution_options={"populate_existing": True}).one()


def is_sqlite(url_or_engine: str | Engine | Connection) -> bool:
    """Whether a URL, engine or connection is SQLite."""
    if isinstance(url_or_engine, str):
        return url_or_engine.startswith("sqlite")
    return url_or_engine.dialect.name == "sqlite"


def _tune_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Let SQLAlchemy, not the driver, decide when a transaction begins.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


def make_engine(url: str, *, echo: bool = False, busy_timeout_ms: int = 5000) -> Engine:
    """An engine for ``url``, with SQLite tuned for concurrent writers."""
    if is_sqlite(url):
        engine = create_engine(
            url, echo=echo, connect_args={"timeout": busy_timeout_ms / 1000}
        )
        _tune_sqlite(engine, busy_timeout_ms)
        return engine
    engine = create_engine(url, echo=echo, pool_pre_ping=True, pool_size=5, max_overflow=10)
    _tune_postgresql(engine)
    return engine


def _tune_postgresql(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # psycopg prepares a statement on the server once it has run five times, and the
        # server then may plan it once for any parameters. Such a generic plan cannot see
        # that "migra" matches 30,000 modules and "recruitment" 10,000: measured on the module
        # search at 50,000 modules, it sorted 7,500 matches for a page that walking the title
        # index finds in under a millisecond. Plan every execution for its own values (the
        # statement is still parsed only once).
        cursor = dbapi_connection.cursor()
        cursor.execute("SET plan_cache_mode = force_custom_plan")
        cursor.close()
        dbapi_connection.commit()


class Database:
    """The engine and the session factories of one app."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.read_sessions = sessionmaker(bind=engine, expire_on_commit=False)
        # On SQLite a writer takes the write lock when it begins, not at its first write,
        # so two writers queue on the busy timeout instead of deadlocking mid-transaction.
        self.write_sessions = sessionmaker(
            bind=engine.execution_options(sqlite_begin="IMMEDIATE"), expire_on_commit=False
        )

    def bind_to(self, connection: Connection) -> None:
        """Run every session on ``connection`` inside savepoints (the tests' rollback recipe)."""
        for factory in (self.read_sessions, self.write_sessions):
            factory.configure(bind=connection, join_transaction_mode="create_savepoint")

    def new_session(self, *, write: bool) -> Session:
        """A new session; ``write`` ones begin with the write lock on SQLite."""
        return (self.write_sessions if write else self.read_sessions)()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A unit of work for the CLI and workers: commit at the end, roll back on error."""
        session = self.new_session(write=True)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()


def init_app(app: Flask) -> Database:
    """Create the app's database and tie a session's life to each request."""
    database = Database(
        make_engine(
            app.config["DATABASE_URL"],
            echo=app.config["SQL_ECHO"],
            busy_timeout_ms=app.config["SQLITE_BUSY_TIMEOUT_MS"],
        )
    )
    app.extensions["database"] = database
    app.after_request(_commit_successful_writes)
    app.teardown_request(_close_session)
    app.teardown_appcontext(_close_session)
    return database


def get_database() -> Database:
    """The current app's database."""
    database: Database = current_app.extensions["database"]
    return database


def get_session(*, write: bool | None = None) -> Session:
    """The session of the current request (created on first use): a writing one for the
    methods that write, unless ``write`` says otherwise (``True``: a page that records that
    it was seen; ``False``: a POST that only reads, which must not wait for SQLite's write
    lock)."""
    if "db_session" not in g:
        if write is None:
            write = has_request_context() and request.method in WRITE_METHODS
        g.db_session = get_database().new_session(write=write)
    session: Session = g.db_session
    return session


def relax_durability(session: Session) -> None:
    """Let this transaction's commit return before its WAL reaches the disk (PostgreSQL's
    ``synchronous_commit = off``, for this transaction only).

    Only for writes that may be lost to a database crash without losing anything a person
    did: a crash forgets at most the last few hundred milliseconds of them, never corrupts
    anything, and the next attempt writes them again. It saves a wait for the disk (about
    1 ms on an idle machine, far more on a busy one). SQLite in WAL mode with
    ``synchronous=NORMAL`` already commits this way.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))


def _commit_successful_writes(response: Any) -> Any:
    """The request's transaction boundary: commit what a successful request did."""
    session: Session | None = g.get("db_session")
    if session is not None:
        if response.status_code < 400:
            session.commit()
        else:
            session.rollback()
    return response


def _close_session(_exc: BaseException | None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        session.rollback()
        session.close()
