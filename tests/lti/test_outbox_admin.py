"""What administrators see of the outbox and how they retry it: ``curriculum outbox list`` and
``retry``, and the admin API under ``/api/v1/platforms``."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy.orm import Session

from curriculum.accounts.models import Role
from lti.models import Registration, ScoreState
from tests.helpers import ApiClient
from tests.lti.admin_fixtures import token_for
from tests.lti.outbox import (
    MODULES,
    Clock,
    complete,
    database_of,
    deliver_all,
    delivery,
    grade_of,
    learner_launch,
    rows,
)
from tests.lti.simulator import Failure, MoodlePlatform
from tests.lti.tool import publish_small_package, register


def failing_score(app: Flask, client: FlaskClient, session: Session,
                  moodle: MoodlePlatform) -> Registration:
    """A learner's score that the LMS refused with 400 (so it is failing)."""
    registration = register(session, moodle)
    publish_small_package(session)
    complete(database_of(app), learner_launch(client, moodle), MODULES[0])
    moodle.fail_next("scores", Failure.error(400, {"errors": [{"message": "course closed"}]}))
    deliver_all(delivery(app, Clock()))
    return registration


def test_outbox_list_shows_learner_link_score_state_and_the_lms_answer(
        app: Flask, client: FlaskClient, session: Session, runner: FlaskCliRunner,
        moodle: MoodlePlatform) -> None:
    registration = failing_score(app, client, session, moodle)
    result = runner.invoke(args=["outbox", "list", "--state", "failing"])
    assert result.exit_code == 0, result.output
    [header, line, *summary] = result.output.splitlines()
    assert header.split()[:4] == ["ID", "LEARNER", "LINK", "SCORE"]
    assert moodle.learner.name in line and "Placed link-1" in line
    assert "50%" in line and "failing" in line and "400" in line and "course closed" in line
    assert summary == [f"Registration {registration.id} ({registration.name}): "
                       "0 waiting, 1 failing, 0 failed."]
    waiting = runner.invoke(args=["outbox", "list", "--state", "waiting"])
    assert "No scores." in waiting.output


def test_outbox_retry_makes_failing_scores_due_now_and_the_worker_sends_them(
        app: Flask, client: FlaskClient, session: Session, runner: FlaskCliRunner,
        moodle: MoodlePlatform) -> None:
    registration = failing_score(app, client, session, moodle)
    [row] = rows(session)
    result = runner.invoke(args=["outbox", "retry", "--registration", str(registration.id)])
    assert result.exit_code == 0 and "1 score due now" in result.output
    assert runner.invoke(args=["outbox", "retry", str(row.id)]).output.startswith("0 scores")
    deliver_all(delivery(app, Clock()))
    assert rows(session)[0].state == ScoreState.DELIVERED
    assert grade_of(moodle, moodle.learner) == (50.0, "InProgress")


def test_the_admin_api_counts_scores_per_registration_and_retries_them(
        app: Flask, client: FlaskClient, session: Session, moodle: MoodlePlatform) -> None:
    registration = failing_score(app, client, session, moodle)
    admin = ApiClient(client, token_for(session, Role.ADMIN))
    every = admin.get("/platforms/outbox").get_json()
    assert [(r["registration_id"], r["failing"]) for r in every] == [(registration.id, 1)]
    one = admin.get(f"/platforms/{registration.id}/outbox")
    assert one.status_code == 200
    body = one.get_json()
    assert (body["waiting"], body["failing"], body["failed"]) == (0, 1, 0)
    assert body["last_status"] == 400 and "course closed" in body["last_answer"]

    editor = ApiClient(client, token_for(session, Role.EDITOR, "editor@example.org"))
    assert editor.post(f"/platforms/{registration.id}/outbox/retry", json={}).status_code == 403
    assert admin.post("/platforms/999/outbox/retry", json={}).status_code == 404
    retried = admin.post(f"/platforms/{registration.id}/outbox/retry", json={})
    assert retried.status_code == 200 and retried.get_json() == {"retried": 1}
    deliver_all(delivery(app, Clock()))
    assert admin.get(f"/platforms/{registration.id}/outbox").get_json()["failing"] == 0
