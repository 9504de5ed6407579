"""Fixtures: an app on a migrated database, each test inside a transaction that is rolled back.

The suite runs on SQLite by default and on PostgreSQL when ``TEST_DATABASE_URL`` names one.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from curriculum import migrate
from curriculum.accounts.models import Role
from curriculum.accounts.services import create_user, issue_token
from curriculum.app import create_app
from curriculum.db import Database, make_engine
from curriculum.inventory.reference import load_agencies, reference_agencies
from tests.helpers import ApiClient


def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """``TEST_DATABASE_URL`` or a fresh SQLite file."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


def reset_postgresql(engine: Engine) -> None:
    """Drop everything in the test database's public schema."""
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))


@pytest.fixture(scope="session")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """An engine on a database migrated to the newest schema."""
    engine = make_engine(database_url(tmp_path_factory))
    if engine.dialect.name == "postgresql":
        reset_postgresql(engine)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def app_config(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The configuration every test app gets."""
    return {
        "TESTING": True,
        "DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "SECRET_KEY": "test-secret",
        "BASE_URL": "http://localhost",
        "SERVER_NAME": "localhost",
    }


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction that is rolled back after the test."""
    with engine.connect() as connection:
        transaction = connection.begin()
        yield connection
        if transaction.is_active:
            transaction.rollback()


@pytest.fixture
def app(app_config: dict[str, Any], connection: Connection) -> Iterator[Flask]:
    """The app, its sessions joined into the test's transaction.

    No app context stays pushed: each request gets its own, as in production.
    """
    app = create_app(app_config)
    database: Database = app.extensions["database"]
    database.bind_to(connection)
    yield app
    database.engine.dispose()


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """A session inside the test's transaction, for arranging and checking data."""
    database: Database = app.extensions["database"]
    session = database.new_session(write=True)
    yield session
    session.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """A CLI runner."""
    return app.test_cli_runner()


@pytest.fixture
def agencies(session: Session) -> None:
    """The bundled reference agencies."""
    load_agencies(session, reference_agencies())
    session.commit()


def _token(session: Session, role: Role) -> str:
    user = create_user(session, f"{role.value}@example.org", role, name=f"A {role.value}")
    secret = issue_token(session, user).secret
    session.commit()
    return secret


@pytest.fixture
def api(client: FlaskClient, session: Session, agencies: None) -> ApiClient:
    """An API client acting as an editor, with the reference agencies loaded."""
    return ApiClient(client, _token(session, Role.EDITOR))


@pytest.fixture
def publisher_api(client: FlaskClient, session: Session, agencies: None) -> ApiClient:
    """An API client acting as a publisher."""
    return ApiClient(client, _token(session, Role.PUBLISHER))


@pytest.fixture
def anonymous(client: FlaskClient) -> ApiClient:
    """An API client without a token."""
    return ApiClient(client, None)


@pytest.fixture(scope="session")
def demo_inventory_csv() -> Path:
    """The bundled demo inventory file."""
    return Path(__file__).parent.parent / "packages" / "demo" / "data" / "inventory.csv"
