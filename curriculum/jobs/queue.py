"""Adding jobs and taking them: plain functions on a session that flush and never commit.

Claiming is safe with several workers: on PostgreSQL ``FOR UPDATE SKIP LOCKED`` lets each
worker take a different row without waiting; on SQLite the worker's write transaction begins
with ``BEGIN IMMEDIATE``, so claims are serialised by the database's write lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from curriculum.db import utcnow
from curriculum.jobs.models import Job, JobState

#: How much of a failure's message is kept.
ERROR_LIMIT = 2000


@dataclass(frozen=True)
class Claim:
    """A job a worker has taken: what to run, and the lease it holds on it."""

    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int
    worker: str


def enqueue(session: Session, kind: str, payload: dict[str, Any] | None = None, *,
            key: str | None = None, run_after: datetime | None = None,
            requeue: bool = False) -> None:
    """Add a job of ``kind``. With a ``key``, a job of the same kind and key is added once;
    ``requeue`` then queues a finished one again (done or failed, with fresh attempts), and
    leaves a queued or running one as it is."""
    now = utcnow()
    values = {"kind": kind, "key": key, "payload": payload or {}, "state": JobState.QUEUED,
              "attempts": 0, "run_after": run_after or now, "created_at": now,
              "updated_at": now}
    if key is None:
        session.add(Job(**values))
        session.flush()
        return
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(Job).values(**values)
    if requeue:
        statement = statement.on_conflict_do_update(
            index_elements=["kind", "key"],
            set_={"state": JobState.QUEUED, "attempts": 0, "run_after": values["run_after"],
                  "payload": values["payload"], "last_error": None, "finished_at": None,
                  "lease_expires_at": None, "claimed_by": None, "updated_at": now},
            where=Job.state.in_([JobState.DONE, JobState.FAILED]))
    else:
        statement = statement.on_conflict_do_nothing()
    session.execute(statement)


def find_job(session: Session, kind: str, key: str) -> Job | None:
    """The job of ``kind`` with ``key``, if there is one."""
    return session.scalar(select(Job).where(Job.kind == kind, Job.key == key))


def claim_next(session: Session, kinds: list[str], worker: str,
               lease: dict[str, float]) -> Claim | None:
    """Take the next job that is due, or whose worker's lease has expired (flushed)."""
    now = utcnow()
    due = or_(and_(Job.state == JobState.QUEUED, Job.run_after <= now),
              and_(Job.state == JobState.RUNNING, Job.lease_expires_at < now))
    job = session.scalar(select(Job).where(due, Job.kind.in_(kinds))
                         .order_by(Job.run_after, Job.id).limit(1)
                         .with_for_update(skip_locked=True))
    if job is None:
        return None
    job.state = JobState.RUNNING
    job.attempts += 1
    job.claimed_by = worker
    job.lease_expires_at = now + timedelta(seconds=lease.get(job.kind, 600))
    session.flush()
    return Claim(id=job.id, kind=job.kind, payload=dict(job.payload), attempts=job.attempts,
                 worker=worker)


def _still_mine(claim: Claim) -> Any:
    """Only the worker that holds the claim may finish it (a late worker whose lease expired
    and whose job was taken again must not overwrite the new holder's outcome)."""
    return and_(Job.id == claim.id, Job.state == JobState.RUNNING,
                Job.claimed_by == claim.worker, Job.attempts == claim.attempts)


def mark_done(session: Session, claim: Claim) -> None:
    """The job succeeded."""
    now = utcnow()
    session.execute(update(Job).where(_still_mine(claim)).values(
        state=JobState.DONE, finished_at=now, updated_at=now, lease_expires_at=None,
        last_error=None))


def mark_failed(session: Session, claim: Claim, message: str, *, retry_in: float | None) -> None:
    """The job failed: queue it again in ``retry_in`` seconds, or (``None``) give up."""
    now = utcnow()
    values: dict[str, Any] = {"last_error": message[:ERROR_LIMIT], "updated_at": now,
                              "lease_expires_at": None}
    if retry_in is None:
        values.update(state=JobState.FAILED, finished_at=now)
    else:
        values.update(state=JobState.QUEUED, run_after=now + timedelta(seconds=retry_in))
    session.execute(update(Job).where(_still_mine(claim)).values(**values))


def forget_finished(session: Session, older_than: timedelta) -> int:
    """Delete jobs that succeeded longer ago than ``older_than``; failed ones stay to be seen."""
    result = session.execute(delete(Job).where(Job.state == JobState.DONE,
                                               Job.finished_at < utcnow() - older_than))
    return int(result.rowcount)  # type: ignore[attr-defined]
