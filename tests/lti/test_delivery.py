"""Scores reach the gradebooks: Moodle- and Canvas-shaped courses over HTTP against the platform
simulator, learners launched by the tool's own launch flow, modules completed through
:mod:`lti.progress`, and the outbox delivered by :class:`lti.delivery.ScoreDelivery`."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from lti.ags import SCORE_MEDIA_TYPE
from lti.models import LineItem, ResourceLink, ScoreState
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
    score_posts,
    undelivered,
)
from tests.lti.simulator import CanvasPlatform, MoodlePlatform
from tests.lti.tool import publish_small_package, register


def test_a_moodle_learners_progress_reaches_the_gradebook_with_type_id_kept(
        app: Flask, client: FlaskClient, session: Session, moodle: MoodlePlatform) -> None:
    register(session, moodle)
    publish_small_package(session)
    launch_id = learner_launch(client, moodle)
    complete(database_of(app), launch_id, MODULES[0])
    assert deliver_all(delivery(app, Clock())) == 1
    assert grade_of(moodle, moodle.learner) == (50.0, "InProgress")

    complete(database_of(app), launch_id, MODULES[1])
    deliver_all(delivery(app, Clock()))
    assert grade_of(moodle, moodle.learner) == (100.0, "Completed")
    [first, _second] = [r for r in moodle.requests if r.endpoint == "scores"]
    assert urlsplit(first.url).query == f"type_id={moodle.type_id}"
    assert first.headers["Content-Type"] == SCORE_MEDIA_TYPE
    assert first.headers["Authorization"].startswith("Bearer ")
    body = score_posts(moodle)[1]
    assert body["userId"] == moodle.learner.sub and body["scoreMaximum"] == 100
    assert body["gradingProgress"] == "FullyGraded"
    assert body["timestamp"].endswith("Z") and len(body["timestamp"]) == 24  # milliseconds
    assert [r.state for r in rows(session)] == [ScoreState.DELIVERED] * 2
    # One token for scores, one for reading the line item's maximum (once), both kept.
    assert (moodle.token_requests, moodle.hits["lineitem"]) == (2, 1)


def test_a_canvas_assignment_gets_its_learners_scores(
        app: Flask, client: FlaskClient, session: Session, canvas: CanvasPlatform) -> None:
    register(session, canvas)
    publish_small_package(session)
    learners = canvas.add_members(3)
    for number, learner in enumerate(learners):
        launch_id = learner_launch(client, canvas, learner, lineitem=True)
        for module in MODULES[:number % 2 + 1]:
            complete(database_of(app), launch_id, module)
    deliver_all(delivery(app, Clock()))
    assert [grade_of(canvas, learner) for learner in learners] == [
        (50.0, "InProgress"), (100.0, "Completed"), (50.0, "InProgress")]
    assert undelivered(session) == []


def test_a_link_the_platform_named_no_line_item_for_gets_one_created_once(
        app: Flask, client: FlaskClient, session: Session, canvas: CanvasPlatform) -> None:
    register(session, canvas)
    publish_small_package(session)
    learners = canvas.add_members(3)
    for learner in learners:
        complete(database_of(app), learner_launch(client, canvas, learner, lineitem=False),
                 MODULES[0])
    deliver_all(delivery(app, Clock()))
    deliver_all(delivery(app, Clock(), worker="another-worker"))

    [item] = canvas.line_items.values()
    assert item.resource_link_id == "link-1" and item.score_maximum == 100
    assert item.label == "Placed link-1"
    assert [grade_of(canvas, learner) for learner in learners] == [(50.0, "InProgress")] * 3
    link = session.query(ResourceLink).one()
    assert link.lineitem_url == canvas.lineitem_url(item)
    assert [row.score_maximum for row in session.query(LineItem)] == [100]


def test_a_line_item_already_in_the_container_is_found_not_created_again(
        app: Flask, client: FlaskClient, session: Session, moodle: MoodlePlatform) -> None:
    register(session, moodle)
    publish_small_package(session)
    moodle.lineitems_page_size = 1
    moodle.add_line_item("Another column", resource_link_id="other-link")
    existing = moodle.add_line_item("Made by the trainer", 10, resource_link_id="link-1")
    complete(database_of(app), learner_launch(client, moodle, lineitem=False), MODULES[0])
    deliver_all(delivery(app, Clock()))
    assert len(moodle.line_items) == 2
    grade = moodle.grade(moodle.learner, existing)
    assert grade is not None and (grade.score_given, grade.score_maximum) == (5.0, 10)


def test_a_platform_granting_only_the_score_scope_still_gets_scores_on_its_line_item(
        app: Flask, client: FlaskClient, session: Session, moodle: MoodlePlatform) -> None:
    moodle.granted_scopes = {"https://purl.imsglobal.org/spec/lti-ags/scope/score"}
    register(session, moodle)
    publish_small_package(session)
    complete(database_of(app), learner_launch(client, moodle), MODULES[0])
    deliver_all(delivery(app, Clock()))
    assert grade_of(moodle, moodle.learner) == (50.0, "InProgress")
    assert moodle.hits["lineitems"] == moodle.hits["lineitem"] == 0


def test_the_maximum_of_a_named_line_item_is_read_once_and_used(
        app: Flask, client: FlaskClient, session: Session, moodle: MoodlePlatform) -> None:
    register(session, moodle)
    publish_small_package(session)
    item = moodle.add_line_item("Out of 20", 20, resource_link_id="link-1")
    launch_id = learner_launch(client, moodle, lineitem=item)
    for module in MODULES:
        complete(database_of(app), launch_id, module)
        deliver_all(delivery(app, Clock()))
    grade = moodle.grade(moodle.learner, item)
    assert grade is not None and (grade.score_given, grade.score_maximum) == (20.0, 20)
    assert moodle.hits["lineitem"] == 1
