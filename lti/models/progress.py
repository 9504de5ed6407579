"""What learners did on placed links, and the scores the platforms must receive.

A score row is the outbox: it is written in the same transaction as the progress that caused
it, and a worker delivers it to the platform's gradebook (AGS) afterwards.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from curriculum.db import Base, string_enum, utcnow
from lti.models.launches import LmsUser, ResourceLink


class ModuleProgress(Base):
    """One learner's progress on one module of one placed link (one row, however many tabs)."""

    __tablename__ = "lti_module_progress"
    __table_args__ = (UniqueConstraint("resource_link_id", "user_id", "module_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_link_id: Mapped[int] = mapped_column(
        ForeignKey("lti_resource_links.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(
        ForeignKey("lti_users.id", ondelete="CASCADE"), index=True)
    module_slug: Mapped[str] = mapped_column(String(120))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]


class ScoreState(enum.Enum):
    """Where a score is on its way to the gradebook.

    ``pending`` scores wait for (or retry) delivery; one that has failed attempts
    (``failing_since`` set) shows as failing with the platform's last answer. ``failed`` ones
    gave up after the retry window and wait for an administrator's retry; ``superseded`` ones
    were replaced by a newer score for the same learner and link before they went out.
    """

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
    SUPERSEDED = "superseded"


class OutgoingScore(Base):
    """A score a platform's gradebook must receive: the outbox row, with its delivery state."""

    __tablename__ = "lti_outgoing_scores"
    __table_args__ = (
        Index("ix_lti_outgoing_scores_due", "state", "next_attempt_at"),
        Index("ix_lti_outgoing_scores_learner", "resource_link_id", "user_id", "state"),
        Index("ix_lti_outgoing_scores_registration", "registration_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("lti_registrations.id", ondelete="CASCADE"))
    resource_link_id: Mapped[int] = mapped_column(
        ForeignKey("lti_resource_links.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("lti_users.id", ondelete="CASCADE"))
    #: Completed share of what the link asks (0..1); scaled to the line item's maximum when
    #: it is sent.
    progress: Mapped[float] = mapped_column(Float)
    activity_progress: Mapped[str] = mapped_column(String(20))
    grading_progress: Mapped[str] = mapped_column(String(20))
    #: The score's own timestamp: strictly increasing per learner and link.
    timestamp: Mapped[datetime]
    state: Mapped[ScoreState] = mapped_column(string_enum(ScoreState, "score_state"),
                                              default=ScoreState.PENDING)
    #: Claims by a worker (the claim's token with ``claimed_by``: a late outcome of an earlier
    #: claim changes nothing).
    attempts: Mapped[int] = mapped_column(default=0)
    #: Failed attempts since the score last started failing (rate limits do not count), and
    #: when it started: after the retry window it is marked failed.
    failures: Mapped[int] = mapped_column(default=0, server_default="0")
    failing_since: Mapped[datetime | None]
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_expires_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    last_attempt_at: Mapped[datetime | None]
    last_status: Mapped[int | None]
    last_answer: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]

    resource_link: Mapped[ResourceLink] = relationship()
    user: Mapped[LmsUser] = relationship()
