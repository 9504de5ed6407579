"""Delivery across processes and transactions that really commit: a worker killed in the middle
of a delivery, two tabs completing at once, two workers sharing the outbox (PostgreSQL).

These tests need a database that other connections see, so they use their own: a fresh SQLite
file, or a schema of their own in the ``TEST_DATABASE_URL`` PostgreSQL database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import make_url, text
from sqlalchemy.orm import Session

from curriculum import migrate
from curriculum.app import create_app
from curriculum.db import make_engine
from lti.models import OutgoingScore, ScoreState
from tests.lti.outbox import (
    MODULES,
    TEST_SETTINGS,
    Clock,
    complete,
    database_of,
    deliver_all,
    delivery,
    grade_of,
    learner_launch,
    posts_per_score,
    rows,
)
from tests.lti.simulator import Failure, MoodlePlatform
from tests.lti.tool import publish_small_package, register

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
ON_POSTGRESQL = PG_URL.startswith("postgresql")


@pytest.fixture
def committed(tmp_path: Path, app_config: dict[str, Any]) -> Iterator[Flask]:
    """An app on a database of its own whose transactions commit for real."""
    name = f"{make_url(PG_URL).database}_{uuid.uuid4().hex[:8]}" if ON_POSTGRESQL else ""
    if ON_POSTGRESQL:
        server = make_engine(PG_URL).execution_options(isolation_level="AUTOCOMMIT")
        with server.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{tmp_path / 'committed.sqlite3'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    app = create_app({**app_config, "DATABASE_URL": url})
    yield app
    database_of(app).engine.dispose()
    if ON_POSTGRESQL:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        server.engine.dispose()


@pytest.fixture
def writer(committed: Flask) -> Iterator[Session]:
    """A session on the committed database, for arranging (it commits)."""
    session = database_of(committed).new_session(write=True)
    yield session
    session.close()


def outbox(app: Flask) -> list[OutgoingScore]:
    """The outbox as it is now, read in a transaction of its own (so none stays open to hold
    SQLite's lock or an old snapshot)."""
    session = database_of(app).new_session(write=False)
    try:
        return rows(session)
    finally:
        session.close()


def undelivered(app: Flask) -> list[OutgoingScore]:
    """Rows still pending or failed."""
    return [row for row in outbox(app) if row.state in (ScoreState.PENDING, ScoreState.FAILED)]


def test_a_worker_killed_mid_delivery_leaves_the_score_to_the_next_worker(
        committed: Flask, writer: Session, moodle: MoodlePlatform) -> None:
    register(writer, moodle)
    publish_small_package(writer)
    writer.close()
    client = committed.test_client()
    complete(database_of(committed), learner_launch(client, moodle), MODULES[0])
    moodle.fail_next("scores", Failure.slow(8))  # the platform holds the request
    environment = {**os.environ, "DATABASE_URL": committed.config["DATABASE_URL"],
                   "BASE_URL": "http://localhost", "CURRICULUM_WORKER_POLL_SECONDS": "0.1",
                   "CURRICULUM_OUTBOX_HTTP_TIMEOUT": "[3, 30]"}
    worker = subprocess.Popen([sys.executable, "-m", "curriculum", "worker"], env=environment,
                              stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120  # a liveness bound, not a measurement
        while moodle.hits["scores"] == 0 and worker.poll() is None:
            assert time.monotonic() < deadline, "the worker never sent the score"
            time.sleep(0.05)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    [row] = outbox(committed)
    assert row.state == ScoreState.PENDING and row.claimed_by is not None
    assert row.lease_expires_at is not None

    clock = Clock(row.lease_expires_at)
    assert deliver_all(delivery(committed, clock, worker="next")) == 0  # the lease holds
    clock.advance(1)
    assert deliver_all(delivery(committed, clock, worker="next")) == 1
    assert grade_of(moodle, moodle.learner) == (50.0, "InProgress")
    assert undelivered(committed) == []


def test_two_tabs_completing_one_module_at_once_make_one_score(
        committed: Flask, writer: Session, moodle: MoodlePlatform) -> None:
    register(writer, moodle)
    publish_small_package(writer)
    writer.close()
    launch_id = learner_launch(committed.test_client(), moodle)
    start = threading.Barrier(2)
    changes: list[bool] = []

    def tab() -> None:
        start.wait()
        changes.append(complete(database_of(committed), launch_id, MODULES[0]).changed)

    tabs = [threading.Thread(target=tab) for _ in range(2)]
    for thread in tabs:
        thread.start()
    for thread in tabs:
        thread.join()
    assert sorted(changes) == [False, True]
    deliver_all(delivery(committed, Clock()))
    assert len(outbox(committed)) == 1 and moodle.hits["scores"] == 1
    assert grade_of(moodle, moodle.learner) == (50.0, "InProgress")


@pytest.mark.skipif(not ON_POSTGRESQL, reason="several workers share the outbox on PostgreSQL")
def test_two_workers_in_parallel_never_send_one_row_twice(
        committed: Flask, writer: Session, moodle: MoodlePlatform) -> None:
    register(writer, moodle)
    publish_small_package(writer)
    writer.close()
    client = committed.test_client()
    learners = moodle.add_members(24)
    launches = [learner_launch(client, moodle, learner) for learner in learners]
    for launch_id in launches:
        complete(database_of(committed), launch_id, MODULES[0])
    moodle.fail_next("scores", *[Failure.slow(0.05)] * 24)
    settings = replace(TEST_SETTINGS, batch_size=3)
    clock = Clock()
    start = threading.Barrier(2)

    def work(name: str) -> None:
        start.wait()
        deliver_all(delivery(committed, clock, worker=name, settings=settings))

    workers = [threading.Thread(target=work, args=(f"worker-{n}",)) for n in range(2)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    posts = posts_per_score(moodle)
    assert len(posts) == len(learners) and set(posts.values()) == {1}
    assert {row.claimed_by for row in outbox(committed)} == {"worker-0", "worker-1"}
    assert [grade_of(moodle, learner) for learner in learners] == [(50.0, "InProgress")] * 24
    assert undelivered(committed) == []
