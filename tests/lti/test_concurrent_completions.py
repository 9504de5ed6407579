"""Two tabs (or a double click) completing at the same moment, for real: two threads, two
database connections, a database of its own whose commits are real (the rest of the suite runs
inside one rolled-back connection, where nothing can happen at once). On SQLite and, with
``TEST_DATABASE_URL``, on PostgreSQL."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from curriculum import migrate
from curriculum.app import create_app
from curriculum.db import Database, make_engine
from lti.models import ModuleProgress, OutgoingScore, ScoreState
from tests.browser.conftest import postgresql_database
from tests.lti.learning import (
    ELSEWHERE,
    HOSTED,
    launch_as,
    mark_complete,
    publish_learning_package,
)
from tests.lti.simulator import MoodlePlatform
from tests.lti.tool import register


@pytest.fixture
def committed_app(tmp_path: Path) -> Iterator[Flask]:
    """The app on a fresh database of its own (SQLite file, or PostgreSQL beside the suite's)."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url and make_url(url).get_backend_name() == "postgresql":
        with postgresql_database(make_url(url)) as own:
            yield from _app_on(own)
    else:
        yield from _app_on(f"sqlite:///{tmp_path / 'concurrent.sqlite3'}")


def _app_on(url: str) -> Iterator[Flask]:
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "test-secret",
                      "BASE_URL": "http://localhost", "SERVER_NAME": "localhost"})
    try:
        yield app
    finally:
        app.extensions["database"].engine.dispose()


def at_once(app: Flask, launch_id: str, slugs: list[str]) -> list[int]:
    """Post "Mark as complete" for each of ``slugs`` from its own thread, all at once."""
    barrier = threading.Barrier(len(slugs))
    statuses: list[int] = []

    def press(slug: str) -> None:
        client = app.test_client()
        barrier.wait()
        statuses.append(mark_complete(client, launch_id, slug).status_code)

    threads = [threading.Thread(target=press, args=(slug,)) for slug in slugs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return statuses


@pytest.fixture
def learner_launch(committed_app: Flask, moodle: MoodlePlatform) -> str:
    """A learner's launch of the package, on the app's own database."""
    database: Database = committed_app.extensions["database"]
    with database.transaction() as session:
        publish_learning_package(session)
    with database.transaction() as session:
        register(session, moodle)
    return launch_as(committed_app.test_client(), moodle)


def test_the_same_module_completed_from_two_tabs_at_once_is_one_completion_and_one_score(
        committed_app: Flask, learner_launch: str) -> None:
    assert at_once(committed_app, learner_launch, [HOSTED, HOSTED]) == [303, 303]

    with committed_app.extensions["database"].transaction() as session:
        completed = session.scalar(select(func.count()).select_from(ModuleProgress).where(
            ModuleProgress.completed_at.is_not(None)))
        scores = session.scalars(select(OutgoingScore)).all()
    assert completed == 1
    assert len(scores) == 1 and scores[0].progress == pytest.approx(1 / 3)


def test_two_modules_completed_at_once_both_count(committed_app: Flask,
                                                  learner_launch: str) -> None:
    assert at_once(committed_app, learner_launch, [HOSTED, ELSEWHERE]) == [303, 303]

    with committed_app.extensions["database"].transaction() as session:
        completed = session.scalar(select(func.count()).select_from(ModuleProgress).where(
            ModuleProgress.completed_at.is_not(None)))
        newest = session.scalars(select(OutgoingScore).where(
            OutgoingScore.state == ScoreState.PENDING)).one()
    assert completed == 2
    assert newest.progress == pytest.approx(2 / 3)
