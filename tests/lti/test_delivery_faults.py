"""Faults that must lose nothing: after each, the simulated gradebook holds exactly the right
final score per learner and no score is left pending. Time is the test's clock: a retry that
is due in a minute is due when the test moves the clock on a minute, not before."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from lti.delivery import claim_due
from lti.models import OutgoingScore, Registration, ScoreState
from lti.outbox import retry_scores
from tests.lti.outbox import (
    MODULES,
    Clock,
    complete,
    database_of,
    deliver_all,
    delivery,
    grade_of,
    learner_launch,
    posts_per_score,
    rows,
    score_posts,
    undelivered,
)
from tests.lti.simulator import CanvasPlatform, Failure, MoodlePlatform
from tests.lti.tool import publish_small_package, register


def arrange(session: Session, platform: MoodlePlatform | CanvasPlatform) -> Registration:
    registration = register(session, platform)
    publish_small_package(session)
    return registration


def test_an_lms_answering_500_for_a_while_gets_every_score_when_it_recovers(
        app: Flask, client: FlaskClient, session: Session, moodle: MoodlePlatform) -> None:
    arrange(session, moodle)
    learners = moodle.add_members(3)
    for learner in learners:
        complete(database_of(app), learner_launch(client, moodle, learner), MODULES[0])
    moodle.fail_next("scores", *[Failure.server_error()] * 7)
    clock = Clock()
    sender = delivery(app, clock)
    deliver_all(sender)
    failing = [row for row in rows(session) if row.failing_since is not None]
    assert failing and all(row.last_status == 500 for row in failing)
    assert all(row.next_attempt_at > clock.now for row in failing)  # backoff, not at once
    for _ in range(12):
        clock.advance(3600)
        deliver_all(sender)
    assert [grade_of(moodle, learner) for learner in learners] == [(50.0, "InProgress")] * 3
    assert undelivered(session) == []


def test_a_429_with_retry_after_is_waited_exactly_as_told(
        app: Flask, client: FlaskClient, session: Session, moodle: MoodlePlatform) -> None:
    arrange(session, moodle)
    complete(database_of(app), learner_launch(client, moodle), MODULES[0])
    moodle.fail_next("scores", Failure.too_many_requests(retry_after=120))
    clock = Clock()
    sender = delivery(app, clock)
    deliver_all(sender)
    [row] = rows(session)
    assert row.state == ScoreState.PENDING and row.last_status == 429
    assert row.failing_since is None  # a rate limit is not a failure
    assert row.next_attempt_at == clock.now + timedelta(seconds=120)
    clock.advance(119)
    assert deliver_all(sender) == 0
    clock.advance(1)
    assert deliver_all(sender) == 1
    assert grade_of(moodle, moodle.learner) == (50.0, "InProgress")


def test_retry_after_as_an_http_date_is_honoured(
        app: Flask, client: FlaskClient, session: Session, moodle: MoodlePlatform) -> None:
    arrange(session, moodle)
    complete(database_of(app), learner_launch(client, moodle), MODULES[0])
    clock = Clock()
    when = (clock.now + timedelta(minutes=5)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    moodle.fail_next("scores", Failure.error(429, "slow down", {"Retry-After": when}))
    deliver_all(delivery(app, clock))
    [row] = rows(session)
    assert timedelta(minutes=4) < row.next_attempt_at - clock.now <= timedelta(minutes=5)


def test_canvas_rate_limit_403_is_retried_later_not_failed(
        app: Flask, client: FlaskClient, session: Session, canvas: CanvasPlatform) -> None:
    arrange(session, canvas)
    learners = canvas.add_members(2)
    for learner in learners:
        complete(database_of(app), learner_launch(client, canvas, learner, lineitem=True),
                 MODULES[0])
    canvas.fail_next("scores", Failure.canvas_rate_limit())
    clock = Clock()
    sender = delivery(app, clock)
    deliver_all(sender)
    limited = [row for row in rows(session) if row.state == ScoreState.PENDING]
    assert limited and all(row.failing_since is None and row.last_status == 403
                           for row in limited)
    assert "Rate Limit Exceeded" in (limited[0].last_answer or "")
    clock.advance(60)
    deliver_all(sender)
    assert [grade_of(canvas, learner) for learner in learners] == [(50.0, "InProgress")] * 2
    assert undelivered(session) == []


def test_a_hanging_lms_times_out_and_the_worker_moves_on(
        app: Flask, client: FlaskClient, session: Session, moodle: MoodlePlatform) -> None:
    arrange(session, moodle)
    learners = moodle.add_members(3)
    for learner in learners:
        complete(database_of(app), learner_launch(client, moodle, learner), MODULES[0])
    moodle.fail_next("scores", Failure.slow(3))  # the read timeout is 0.5 s
    clock = Clock()
    sender = delivery(app, clock)
    deliver_all(sender)
    [hung] = [row for row in rows(session) if row.state == ScoreState.PENDING]
    assert hung.last_status is None and "timed out" in (hung.last_answer or "")
    assert sum(1 for row in rows(session) if row.state == ScoreState.DELIVERED) == 2
    clock.advance(3600)
    deliver_all(sender)
    assert [grade_of(moodle, learner) for learner in learners] == [(50.0, "InProgress")] * 3
    assert undelivered(session) == []


def test_a_dropped_connection_is_retried(
        app: Flask, client: FlaskClient, session: Session, canvas: CanvasPlatform) -> None:
    arrange(session, canvas)
    complete(database_of(app), learner_launch(client, canvas, lineitem=True), MODULES[0])
    canvas.fail_next("scores", Failure.drop())
    clock = Clock()
    sender = delivery(app, clock)
    deliver_all(sender)
    clock.advance(3600)
    deliver_all(sender)
    assert grade_of(canvas, canvas.learner) == (50.0, "InProgress")
    assert undelivered(session) == []


def test_a_refused_assertion_fails_with_the_lms_words_until_fixed_and_retried(
        app: Flask, client: FlaskClient, session: Session, moodle: MoodlePlatform) -> None:
    registration = arrange(session, moodle)
    complete(database_of(app), learner_launch(client, moodle), MODULES[0])
    client_id = registration.client_id
    registration.client_id = "mistyped-client-id"  # the assertion's iss and sub are wrong
    session.commit()
    clock = Clock()
    sender = delivery(app, clock)
    deliver_all(sender)
    [row] = rows(session)
    assert row.state == ScoreState.PENDING and row.failing_since is not None
    assert row.last_status == 401 and "client assertion refused" in (row.last_answer or "")
    assert "invalid_client" in (row.last_answer or "")

    registration.client_id = client_id
    session.commit()
    assert retry_scores(session, clock.now, registration_id=registration.id) == 1
    session.commit()
    deliver_all(sender)
    assert grade_of(moodle, moodle.learner) == (50.0, "InProgress")
    assert undelivered(session) == []


def test_an_expired_token_is_replaced_and_the_score_sent_again_at_once(
        app: Flask, client: FlaskClient, session: Session, canvas: CanvasPlatform) -> None:
    arrange(session, canvas)
    complete(database_of(app), learner_launch(client, canvas, lineitem=True), MODULES[0])
    deliver_all(delivery(app, Clock()))
    canvas.expire_tokens()  # the cached token is refused from now on
    complete(database_of(app), learner_launch(client, canvas, lineitem=True), MODULES[1])
    assert deliver_all(delivery(app, Clock())) == 1  # the retry is immediate
    assert grade_of(canvas, canvas.learner) == (100.0, "Completed")
    assert canvas.hits["scores"] == 3  # sent, refused with 401, sent again with a new token


def test_moodle_409_on_a_score_sent_again_counts_as_delivered(
        app: Flask, client: FlaskClient, session: Session, moodle: MoodlePlatform) -> None:
    arrange(session, moodle)
    complete(database_of(app), learner_launch(client, moodle), MODULES[0])
    clock = Clock()
    deliver_all(delivery(app, clock))
    # The worker's record of it is lost (it died after the POST): the row goes out again.
    session.execute(update(OutgoingScore).values(state=ScoreState.PENDING))
    session.commit()
    deliver_all(delivery(app, clock, worker="next-worker"))
    [row] = rows(session)
    assert (row.state, row.last_status) == (ScoreState.DELIVERED, 409)
    assert grade_of(moodle, moodle.learner) == (50.0, "InProgress")


def test_canvas_400_for_a_stale_timestamp_counts_as_delivered(
        app: Flask, client: FlaskClient, session: Session, canvas: CanvasPlatform) -> None:
    arrange(session, canvas)
    launch_id = learner_launch(client, canvas, lineitem=True)
    complete(database_of(app), launch_id, MODULES[0])
    complete(database_of(app), launch_id, MODULES[1])
    [older, _newer] = rows(session)
    session.execute(update(OutgoingScore).where(OutgoingScore.id == older.id)
                    .values(state=ScoreState.DELIVERED))
    session.commit()
    deliver_all(delivery(app, Clock()))
    session.execute(update(OutgoingScore).where(OutgoingScore.id == older.id)
                    .values(state=ScoreState.PENDING))  # the older one retried afterwards
    session.commit()
    deliver_all(delivery(app, Clock()))
    assert rows(session)[0].last_status == 400
    assert undelivered(session) == []
    assert grade_of(canvas, canvas.learner) == (100.0, "Completed")


def test_a_newer_score_supersedes_an_older_one_not_yet_sent(
        app: Flask, client: FlaskClient, session: Session, moodle: MoodlePlatform) -> None:
    arrange(session, moodle)
    launch_id = learner_launch(client, moodle)
    complete(database_of(app), launch_id, MODULES[0])
    complete(database_of(app), launch_id, MODULES[1])
    deliver_all(delivery(app, Clock()))
    assert [row.state for row in rows(session)] == [ScoreState.SUPERSEDED, ScoreState.DELIVERED]
    assert len(posts_per_score(moodle)) == 1
    assert grade_of(moodle, moodle.learner) == (100.0, "Completed")


def test_one_learners_scores_go_out_one_at_a_time_in_order(
        app: Flask, client: FlaskClient, session: Session, moodle: MoodlePlatform) -> None:
    arrange(session, moodle)
    launch_id = learner_launch(client, moodle)
    complete(database_of(app), launch_id, MODULES[0])
    clock = Clock()
    database = database_of(app)
    with database.transaction() as writer:
        [held] = claim_due(writer, "slow-worker", clock.now, limit=10,
                           lease=timedelta(minutes=5))
    complete(database, launch_id, MODULES[1])  # the held one is not superseded: it waits
    assert deliver_all(delivery(app, clock)) == 0
    clock.advance(301)  # the slow worker's lease has passed: the older one goes first
    deliver_all(delivery(app, clock))
    assert [body["scoreGiven"] for body in score_posts(moodle)] == [50.0, 100.0]
    assert grade_of(moodle, moodle.learner) == (100.0, "Completed")
    assert held.attempts == 1


def test_a_score_failing_past_the_retry_window_is_marked_failed_never_dropped(
        app: Flask, client: FlaskClient, session: Session, canvas: CanvasPlatform) -> None:
    arrange(session, canvas)
    complete(database_of(app), learner_launch(client, canvas, lineitem=True), MODULES[0])
    canvas.fail_next("scores", *[Failure.error(422, {"errors": [{"message": "unpublished"}]})]
                     * 100)
    clock = Clock()
    sender = delivery(app, clock)
    for _ in range(60):
        deliver_all(sender)
        clock.advance(3600)
    [row] = rows(session)
    assert (row.state, row.last_status) == (ScoreState.FAILED, 422)
    assert "unpublished" in (row.last_answer or "")
    canvas.failures.clear()
    assert retry_scores(session, clock.now) == 1
    session.commit()
    deliver_all(sender)
    assert grade_of(canvas, canvas.learner) == (50.0, "InProgress")
