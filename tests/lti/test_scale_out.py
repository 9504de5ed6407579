"""The production set-up, for real: two gunicorn workers and two outbox workers on PostgreSQL,
learners' launches and completions spread across them, and every score delivered once.

It needs PostgreSQL (several processes writing one database); on SQLite it is skipped."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from sqlalchemy import make_url, select, text

from curriculum import migrate
from curriculum.app import create_app
from curriculum.db import Database, make_engine
from lti.models import OutgoingScore, ScoreState
from tests.lti.outbox import MODULES, grade_of, posts_per_score
from tests.lti.simulator import MoodlePlatform, User
from tests.lti.tool import SMALL_PACKAGE, publish_small_package, register

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
LEARNERS = 8
ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    not PG_URL.startswith("postgresql"),
    reason="the scale-out test runs several processes on one PostgreSQL database: set "
           "TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test")


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def database_url() -> Iterator[str]:
    """A PostgreSQL database of this test's own, migrated (the processes commit for real)."""
    name = f"{make_url(PG_URL).database}_scale_{uuid.uuid4().hex[:8]}"
    server = make_engine(PG_URL).execution_options(isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    yield url
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    server.engine.dispose()


@contextmanager
def processes(*commands: list[str], environment: dict[str, str]) -> Iterator[None]:
    """Run ``commands`` side by side; stop them all at the end."""
    running = [subprocess.Popen(command, cwd=ROOT, env=environment, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL) for command in commands]
    try:
        yield
    finally:
        for process in running:
            process.terminate()
        for process in running:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_until_serving(base_url: str) -> None:
    """Until gunicorn answers (a liveness bound, not a measurement)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise AssertionError("gunicorn did not start")


def learn(base_url: str, platform: MoodlePlatform, user: User, modules: list[str]) -> None:
    """A learner's browser: launch through the real flow, then complete ``modules``."""
    browser = requests.Session()
    message = platform.resource_link_launch(
        user=user, resource_link_id="placed-1", custom={"package": SMALL_PACKAGE})
    login = browser.post(f"{base_url}/lti/login", allow_redirects=False,
                         data=platform.login_initiation_params(message))
    assert login.status_code == 302, login.text[:500]
    fields = platform.complete_oidc(login.headers["Location"])
    launched = browser.post(f"{base_url}/lti/launch", data=fields, allow_redirects=False)
    assert launched.status_code == 303, launched.text[:500]
    launch_page = base_url + launched.headers["Location"]
    for module in modules:
        done = browser.post(f"{launch_page}/modules/{module}/complete",
                            headers={"Origin": base_url}, allow_redirects=False)
        assert done.status_code == 303, done.text[:500]


def outbox_rows(url: str) -> list[OutgoingScore]:
    """The outbox, read afresh."""
    database = Database(make_engine(url))
    try:
        with database.transaction() as session:
            found = list(session.scalars(select(OutgoingScore)))
            session.expunge_all()
        return found
    finally:
        database.engine.dispose()


def test_two_web_workers_and_two_outbox_workers_deliver_every_score_once(
        database_url: str, moodle: MoodlePlatform, app_config: dict[str, object]) -> None:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    app = create_app({**app_config, "DATABASE_URL": database_url, "BASE_URL": base_url})
    database: Database = app.extensions["database"]
    with database.transaction() as session:
        register(session, moodle, base_url=base_url)
        publish_small_package(session)
    database.engine.dispose()
    learners = moodle.add_members(LEARNERS)
    environment = {**os.environ, "DATABASE_URL": database_url, "BASE_URL": base_url,
                   "CURRICULUM_WORKER_POLL_SECONDS": "0.2", "CURRICULUM_DEMO_MODE": "false"}
    gunicorn = [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}",
                "curriculum.app:create_app()"]
    worker = [sys.executable, "-m", "curriculum", "worker"]
    with processes(gunicorn, worker, worker, environment=environment):
        wait_until_serving(base_url)
        # Half the learners complete both modules, half only the first.
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(lambda pair: learn(base_url, moodle, pair[1], list(
                MODULES if pair[0] % 2 == 0 else MODULES[:1])), enumerate(learners)))
        deadline = time.monotonic() + 180  # a liveness bound, not a measurement
        while any(row.state is ScoreState.PENDING for row in outbox_rows(database_url)):
            assert time.monotonic() < deadline, "the outbox was not drained"
            time.sleep(0.5)

    rows = outbox_rows(database_url)
    assert {row.state for row in rows} <= {ScoreState.DELIVERED, ScoreState.SUPERSEDED}
    for index, learner in enumerate(learners):
        expected = (100.0, "Completed") if index % 2 == 0 else (50.0, "InProgress")
        assert grade_of(moodle, learner) == expected, learner.sub
    assert max(posts_per_score(moodle).values()) == 1  # no score was sent twice
