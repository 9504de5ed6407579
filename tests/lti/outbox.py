"""Shared steps of the score delivery tests: learners launched into a placed link over HTTP,
modules completed through :func:`lti.progress.complete_module`, and the outbox delivered by
:class:`lti.delivery.ScoreDelivery` on a clock the test moves (no test sleeps to wait)."""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from curriculum.db import Database, utcnow
from lti.delivery import OutboxSettings, ScoreDelivery
from lti.models import LaunchSession, OutgoingScore, ScoreState
from lti.pages import launched_content
from lti.progress import Change, complete_module
from tests.lti.simulator import Platform, User
from tests.lti.tool import SMALL_PACKAGE, launch, launch_id_of

#: The modules of ``publish_small_package``'s package, both required.
MODULES = ("launch-test-module-one", "launch-test-module-two")
#: Settings for tests: short timeouts, small batches.
TEST_SETTINGS = OutboxSettings(batch_size=10, threads=4, per_registration=2,
                               timeout=(2.0, 0.5), retry_base=10.0, retry_max=600.0)


@dataclass
class Clock:
    """A clock the test moves by hand."""

    now: datetime = field(default_factory=utcnow)

    def __call__(self) -> datetime:
        """The current (test) time."""
        return self.now

    def advance(self, seconds: float) -> None:
        """Move time on."""
        self.now += timedelta(seconds=seconds)


def learner_launch(client: FlaskClient, platform: Platform, user: User | None = None, *,
                   link: str = "link-1", **options: Any) -> str:
    """A learner's launch of the small package's link ``link``; its launch session id."""
    message = platform.resource_link_launch(
        user=user or platform.learner, resource_link_id=link,
        custom={"package": SMALL_PACKAGE}, resource_link_title=f"Placed {link}", **options)
    answer = launch(client, platform, message)
    assert answer.status_code == 303, answer.get_data(as_text=True)[:500]
    return launch_id_of(answer)


def complete(database: Database, launch_id: str, module: str) -> Change:
    """The learner of ``launch_id`` completes ``module`` (committed, as the request would)."""
    with database.transaction() as session:
        launch_session = session.get(LaunchSession, launch_id)
        assert launch_session is not None
        content = launched_content(session, launch_session)
        assert content is not None
        return complete_module(session, launch_session, content, module)


def database_of(app: Flask) -> Database:
    """The app's database."""
    database: Database = app.extensions["database"]
    return database


def delivery(app: Flask, clock: Clock, worker: str = "test-worker",
             settings: OutboxSettings = TEST_SETTINGS) -> ScoreDelivery:
    """A delivery on ``clock`` with a seeded jitter."""
    return ScoreDelivery(database_of(app), settings, worker=worker, clock=clock,
                         rng=random.Random(5))


def deliver_all(sender: ScoreDelivery) -> int:
    """Run the delivery until nothing is due now; how many rows it handled."""
    handled = 0
    while (count := sender.run_once()):
        handled += count
    return handled


def rows(session: Session) -> list[OutgoingScore]:
    """Every outbox row, oldest first (read fresh)."""
    session.expire_all()
    return list(session.scalars(select(OutgoingScore).order_by(OutgoingScore.id)))


def undelivered(session: Session) -> list[OutgoingScore]:
    """Rows still pending or failed."""
    return [row for row in rows(session)
            if row.state in (ScoreState.PENDING, ScoreState.FAILED)]


def score_posts(platform: Platform) -> list[dict[str, Any]]:
    """The bodies of every score POST the platform received (failed answers included)."""
    with platform.lock:
        return [json.loads(r.body) for r in platform.requests if r.endpoint == "scores"]


def posts_per_score(platform: Platform) -> Counter[tuple[str, str]]:
    """How many times each score (learner, timestamp) was POSTed to the platform."""
    return Counter((str(body["userId"]), str(body["timestamp"]))
                   for body in score_posts(platform))


def grade_of(platform: Platform, user: User) -> tuple[float | None, str] | None:
    """The learner's score and activity progress in the platform's (only) line item."""
    for item in platform.line_items.values():
        grade = platform.grade(user, item)
        if grade is not None:
            return grade.score_given, grade.activity_progress
    return None
