"""Browser fixtures: the demo curriculum served over real HTTP, and Debian's Chromium.

A browser talks to the app over a socket, so the app cannot join the per-test transaction that
the rest of the suite rolls back. The browser tests get a database of their own instead (a
temporary SQLite file, or a throw-away PostgreSQL database next to ``TEST_DATABASE_URL``),
migrated and loaded with the demo once per session and only read by the tests.

The browser comes from pytest-playwright's fixtures (``browser``, ``page``, ``new_context``),
launched from the system's Chromium: Playwright never downloads a browser here, and the flags
keep Chromium from calling home on a closed network.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from curriculum import migrate
from curriculum.app import create_app
from curriculum.db import Database, make_engine
from curriculum.inventory.importing import read_csv
from lti.demo_lms.setup import register_demo_lms
from packages.demo.loader import demo_file, load_demo

CHROMIUM_MISSING = "Browser tests need Debian's Chromium: sudo apt-get install chromium"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

#: A phone's viewport (an iPhone SE); pages open at Playwright's desktop size otherwise.
PHONE = {"width": 375, "height": 667}


def chromium_path() -> str | None:
    """Debian's Chromium, if it is installed."""
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """pytest-playwright's launch options, pointed at the system's Chromium."""
    executable = chromium_path()
    if executable is None:
        pytest.skip(CHROMIUM_MISSING)
    return {**browser_type_launch_args, "executable_path": executable, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def base_url(live_server: str) -> str:
    """Pages open relative to the live server.

    Defining it here also keeps pytest-playwright's own ``base_url`` fallback out of the way:
    that one is a fixture method on a plugin object, which pytest 9 deprecates with a warning
    that ``filterwarnings = error`` turns into an error.
    """
    return live_server


# The database ---------------------------------------------------------------------------------


@contextmanager
def postgresql_database(url: URL) -> Iterator[str]:
    """A fresh database beside ``url``'s, dropped afterwards (unique, so runs may overlap)."""
    name = f"{url.database or 'curriculum'}_browser_{uuid.uuid4().hex[:8]}"
    maintenance = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with maintenance.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield url.set(database=name).render_as_string(hide_password=False)
        finally:
            with maintenance.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        maintenance.dispose()


@contextmanager
def browser_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of an empty database for the browser tests, on the suite's database system."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url and make_url(url).get_backend_name() == "postgresql":
        with postgresql_database(make_url(url)) as browser_url:
            yield browser_url
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('browser') / 'browser.sqlite3'}"


def load_demo_curriculum(url: str) -> None:
    """Migrate the database and load the demo into it, as ``make run`` does."""
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
        with Database(engine).transaction() as session:
            load_demo(session)
    finally:
        engine.dispose()


# The server -----------------------------------------------------------------------------------


class QuietRequestHandler(WSGIRequestHandler):
    """Werkzeug's handler without a log line per request (errors are still logged)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Log nothing for a served request."""


@contextmanager
def serving(app: Any) -> Iterator[BaseWSGIServer]:
    """``app`` served on 127.0.0.1 and a free port from a background thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True,
                         request_handler=QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="session")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The app serving the demo curriculum (and the demo LMS) over HTTP, for tests that also
    arrange data in its database."""
    with browser_database(tmp_path_factory) as url:
        load_demo_curriculum(url)
        app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "test-secret",
                          "BASE_URL": "http://127.0.0.1"})
        try:
            with serving(app) as server:
                # LTI URLs must name the real port, known only once the server listens.
                base = app.config["BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
                with app.extensions["database"].transaction() as session:
                    register_demo_lms(session, base)
                yield app
        finally:
            app.extensions["database"].engine.dispose()


@pytest.fixture(scope="session")
def live_server(live_app: Flask) -> str:
    """The base URL of the live app."""
    return str(live_app.config["BASE_URL"])


@pytest.fixture
def phone_page(new_context: Any) -> Page:
    """A page in a phone-sized, touch-screen context."""
    context = new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    return context.new_page()


@pytest.fixture
def no_script_page(new_context: Any) -> Page:
    """A page in a context with JavaScript switched off."""
    return new_context(java_script_enabled=False).new_page()


@pytest.fixture(scope="session")
def screenshots() -> Path | None:
    """Where to save screenshots for people to look at: ``BROWSER_SCREENSHOTS``, or nowhere."""
    folder = os.environ.get("BROWSER_SCREENSHOTS")
    if not folder:
        return None
    Path(folder).mkdir(parents=True, exist_ok=True)
    return Path(folder)


# The demo, as the tests expect to see it ------------------------------------------------------


@pytest.fixture(scope="session")
def demo() -> dict[str, Any]:
    """The demo curriculum's definition: its tracks and packages."""
    curriculum: dict[str, Any] = json.loads(demo_file("curriculum.json"))
    return curriculum


@pytest.fixture(scope="session")
def demo_module_titles() -> dict[int, str]:
    """The demo inventory's module titles by record number (as the demo packages cite them)."""
    return {row.record: row.values["title"] for row in read_csv(demo_file("inventory.csv"), [])}
