"""Background jobs: enqueued once per key, run by a worker, retried a bounded number of
times, and taken again from a worker that died (its lease expired)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from curriculum import migrate
from curriculum.db import Database, make_engine, utcnow
from curriculum.jobs.models import Job, JobState
from curriculum.jobs.queue import claim_next, enqueue, mark_done
from curriculum.jobs.registry import JobKind, PermanentJobError, get_registry
from curriculum.jobs.worker import Worker

KIND = "test.record"


@pytest.fixture
def done(app: Flask) -> list[dict[str, Any]]:
    """The payloads the test job kind has run, in order; a payload's ``fail`` makes it raise
    (``"always"``, ``"permanent"``, or that many first attempts)."""
    seen: list[dict[str, Any]] = []
    attempts: dict[str, int] = {}

    def record(_session: Session, payload: dict[str, Any]) -> None:
        name = payload["name"]
        attempts[name] = attempts.get(name, 0) + 1
        fail = payload.get("fail")
        if fail == "permanent":
            raise PermanentJobError("its subject is gone")
        if fail == "always" or (isinstance(fail, int) and attempts[name] <= fail):
            raise RuntimeError(f"attempt {attempts[name]} went wrong")
        seen.append(payload)

    get_registry(app).add_kind(JobKind(KIND, record, max_attempts=3, lease_seconds=60,
                                       retry_seconds=0))
    return seen


def jobs(session: Session) -> list[Job]:
    """Every job, oldest first (read afresh)."""
    session.expire_all()
    return list(session.scalars(select(Job).order_by(Job.id)))


def add(app: Flask, name: str, **payload: Any) -> None:
    """Enqueue a test job keyed by ``name`` and commit."""
    database: Database = app.extensions["database"]
    with database.transaction() as session:
        enqueue(session, KIND, {"name": name, **payload}, key=name)


def test_a_job_enqueued_twice_with_one_key_runs_once(app: Flask, runner: FlaskCliRunner,
                                                      session: Session, done: list):
    add(app, "a")
    add(app, "a")
    add(app, "b")
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "2 job runs." in result.output
    assert [payload["name"] for payload in done] == ["a", "b"]
    assert [(job.key, job.state, job.attempts) for job in jobs(session)] == [
        ("a", JobState.DONE, 1), ("b", JobState.DONE, 1)]


def test_a_failing_job_is_retried_and_then_reported_failed_with_its_error(
        app: Flask, session: Session, done: list):
    add(app, "flaky", fail=1)
    add(app, "broken", fail="always")
    Worker(app).run(once=True)
    flaky, broken = jobs(session)
    assert (flaky.state, flaky.attempts, flaky.last_error) == (JobState.DONE, 2, None)
    assert (broken.state, broken.attempts) == (JobState.FAILED, 3)
    assert broken.last_error == "RuntimeError: attempt 3 went wrong"
    assert broken.finished_at is not None


def test_a_permanent_error_fails_the_job_without_retrying(app: Flask, session: Session,
                                                           done: list):
    add(app, "gone", fail="permanent")
    Worker(app).run(once=True)
    [job] = jobs(session)
    assert (job.state, job.attempts, job.last_error) == (
        JobState.FAILED, 1, "its subject is gone")


def test_a_job_whose_worker_died_is_taken_again_when_its_lease_expires(
        app: Flask, session: Session, done: list):
    add(app, "orphan")
    claim = claim_next(session, [KIND], "dead-worker", {KIND: 60})
    session.commit()
    assert claim is not None
    Worker(app, name="live-worker").run(once=True)
    assert done == []  # the lease still holds
    session.execute(update(Job).values(lease_expires_at=utcnow() - timedelta(seconds=1)))
    session.commit()
    Worker(app, name="live-worker").run(once=True)
    [job] = jobs(session)
    assert [payload["name"] for payload in done] == ["orphan"]
    assert (job.state, job.attempts, job.claimed_by) == (JobState.DONE, 2, "live-worker")
    # The dead worker, come back, cannot overwrite the outcome of a job no longer its own.
    mark_done(session, claim)
    assert jobs(session)[0].claimed_by == "live-worker"


def test_a_job_whose_workers_keep_dying_is_given_up(app: Flask, session: Session, done: list):
    add(app, "poison")
    session.execute(update(Job).values(state=JobState.RUNNING, attempts=3,
                                       lease_expires_at=utcnow() - timedelta(seconds=1)))
    session.commit()
    Worker(app).run(once=True)
    [job] = jobs(session)
    assert done == [] and job.state == JobState.FAILED
    assert "Gave up after 3 attempts whose workers stopped" in (job.last_error or "")


def test_requeueing_a_finished_job_runs_it_again_and_leaves_a_waiting_one_alone(
        app: Flask, session: Session, done: list):
    add(app, "again")
    Worker(app).run(once=True)
    database: Database = app.extensions["database"]
    for _ in range(2):
        with database.transaction() as writer:
            enqueue(writer, KIND, {"name": "again"}, key="again", requeue=True)
    [job] = jobs(session)
    assert (job.state, job.attempts) == (JobState.QUEUED, 0)
    Worker(app).run(once=True)
    assert [payload["name"] for payload in done] == ["again", "again"]


def test_a_stopped_worker_finishes_the_job_in_hand_and_runs_no_more(
        app: Flask, session: Session, done: list):
    worker = Worker(app, poll_seconds=0.05)
    stop_after_first = get_registry(app).kinds[KIND]

    def record_then_stop(job_session: Session, payload: dict[str, Any]) -> None:
        stop_after_first.handler(job_session, payload)
        worker.stop()

    get_registry(app).kinds[KIND] = JobKind(KIND, record_then_stop)
    add(app, "first")
    add(app, "second")
    assert worker.run() == 1  # not once: only the stop ends it
    assert [(job.key, job.state) for job in jobs(session)] == [
        ("first", JobState.DONE), ("second", JobState.QUEUED)]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_the_worker_process_stops_cleanly_on_sigterm_and_ctrl_c(tmp_path: Path, signum: int):
    url = f"sqlite:///{tmp_path / 'worker.sqlite3'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    environment = {**os.environ, "DATABASE_URL": url}
    worker = subprocess.Popen([sys.executable, "-m", "curriculum", "worker"], env=environment,
                              stderr=subprocess.PIPE, text=True)
    try:
        assert worker.stderr is not None
        for line in worker.stderr:  # wait until it runs (its signal handlers are set)
            if "started" in line:
                break
        worker.send_signal(signum)
        _, rest = worker.communicate(timeout=60)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    assert worker.returncode == 0
    assert f"{signal.Signals(signum).name} received, stopping after the job in hand" in rest
    assert "stopped after 0 jobs" in rest
