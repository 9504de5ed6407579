"""The job table: the state of every background job lives here, not in a process."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from curriculum.db import Base, string_enum, utcnow


class JobState(enum.Enum):
    """Where a job is: waiting, taken by a worker (under a lease), or finished."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Job(Base):
    """One unit of background work of a registered kind, with its payload and its history.

    ``key`` (optional) makes a job unique within its kind, so enqueueing the same work twice
    adds it once. A ``running`` job whose ``lease_expires_at`` has passed belonged to a worker
    that died: another worker takes it again.
    """

    __tablename__ = "jobs"
    __table_args__ = (UniqueConstraint("kind", "key"), Index(None, "state", "run_after"))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(60))
    key: Mapped[str | None] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[JobState] = mapped_column(string_enum(JobState, "job_state"),
                                            default=JobState.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    run_after: Mapped[datetime] = mapped_column(default=utcnow)
    lease_expires_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    finished_at: Mapped[datetime | None]
