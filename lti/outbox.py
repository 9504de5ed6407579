"""The score outbox: scores queued for a platform's gradebook in the transaction of the progress
that caused them, for a worker to deliver (see :mod:`lti.delivery`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.orm import Session, joinedload

from curriculum.db import utcnow
from lti.models import (
    LaunchSession,
    OutgoingScore,
    Registration,
    ResourceLink,
    ResourceLinkUser,
    ScoreState,
)

AGS_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/"
SCORE_SCOPE = AGS_SCOPE + "score"
LINEITEM_SCOPE = AGS_SCOPE + "lineitem"
#: Moodle refuses a score whose timestamp is not in a later second than the grade it holds
#: (LTI.md), so the scores of one learner and link are at least this far apart.
TIMESTAMP_STEP = timedelta(seconds=1)


def gradable(link: ResourceLink) -> bool:
    """Whether the platform takes scores for this link: it granted the score scope and named
    a line item, or lets the tool create one."""
    scopes = set(link.ags_scopes or [])
    return SCORE_SCOPE in scopes and (bool(link.lineitem_url) or LINEITEM_SCOPE in scopes)


def next_timestamp(last: datetime | None, now: datetime) -> datetime:
    """A score timestamp later than ``last`` by at least a second, and never before ``now``."""
    if last is None or now >= last + TIMESTAMP_STEP:
        return now
    return last + TIMESTAMP_STEP


def queue_score(session: Session, launch: LaunchSession, link_user: ResourceLinkUser, *,
                share: float, complete: bool) -> OutgoingScore | None:
    """Queue the learner's score on the launch's link (nothing when the platform takes none).

    The score gets its timestamp once, now. An older score of the same learner and link that
    has not gone out yet (waiting, failing or failed) is superseded (one that a worker is
    sending right now is left to finish; this one waits for it).
    """
    link = launch.resource_link
    if link is None or launch.user_id is None or not gradable(link):
        return None
    now = utcnow()
    timestamp = next_timestamp(link_user.score_timestamp, now)
    link_user.score_timestamp = timestamp
    session.execute(update(OutgoingScore).where(
        OutgoingScore.resource_link_id == link.id, OutgoingScore.user_id == launch.user_id,
        OutgoingScore.state.in_([ScoreState.PENDING, ScoreState.FAILED]),
        or_(OutgoingScore.lease_expires_at.is_(None), OutgoingScore.lease_expires_at < now),
    ).values(state=ScoreState.SUPERSEDED))
    score = OutgoingScore(
        registration_id=launch.registration_id, resource_link_id=link.id,
        user_id=launch.user_id, progress=round(share, 6),
        activity_progress="Completed" if complete else "InProgress",
        grading_progress="FullyGraded", timestamp=timestamp, next_attempt_at=now,
        created_at=now)
    session.add(score)
    session.flush()
    return score


# What administrators see and do ------------------------------------------------------------

#: The states an administrator filters by: pending ones are waiting or failing.
LISTED_STATES = ("waiting", "failing", "failed", "delivered")


@dataclass(frozen=True)
class RegistrationOutbox:
    """A registration's undelivered scores: how many wait, fail or failed, and the platform's
    last answer to a failing or failed one."""

    registration_id: int
    name: str
    waiting: int
    failing: int
    failed: int
    last_status: int | None
    last_answer: str | None
    last_attempt_at: datetime | None


def _listed_state(state: str) -> Any:
    pending = OutgoingScore.state == ScoreState.PENDING
    return {"waiting": and_(pending, OutgoingScore.failing_since.is_(None)),
            "failing": and_(pending, OutgoingScore.failing_since.is_not(None)),
            "failed": OutgoingScore.state == ScoreState.FAILED,
            "delivered": OutgoingScore.state == ScoreState.DELIVERED}[state]


def listed_state(score: OutgoingScore) -> str:
    """How an administrator sees a score: waiting, failing, failed, delivered or superseded."""
    if score.state == ScoreState.PENDING:
        return "failing" if score.failing_since is not None else "waiting"
    return score.state.value


def list_scores(session: Session, *, registration_id: int | None = None,
                state: str | None = None, limit: int = 200) -> list[OutgoingScore]:
    """Outbox rows, newest first, with their learner and link loaded (superseded ones are
    left out: they were replaced before they went out)."""
    statement = (select(OutgoingScore)
                 .options(joinedload(OutgoingScore.user), joinedload(OutgoingScore.resource_link))
                 .where(OutgoingScore.state != ScoreState.SUPERSEDED)
                 .order_by(OutgoingScore.id.desc()).limit(limit))
    if registration_id is not None:
        statement = statement.where(OutgoingScore.registration_id == registration_id)
    if state is not None:
        statement = statement.where(_listed_state(state))
    return list(session.scalars(statement))


def outbox_summary(session: Session, registration_id: int | None = None
                   ) -> list[RegistrationOutbox]:
    """Per registration: waiting, failing and failed scores, and the newest failing answer."""
    counts = {(reg, state): count for reg, state, count in session.execute(
        select(OutgoingScore.registration_id,
               case((OutgoingScore.state == ScoreState.FAILED, "failed"),
                    (OutgoingScore.failing_since.is_not(None), "failing"), else_="waiting"),
               func.count())
        .where(OutgoingScore.state.in_([ScoreState.PENDING, ScoreState.FAILED]))
        .group_by(OutgoingScore.registration_id, OutgoingScore.state,
                  OutgoingScore.failing_since.is_not(None)))}
    registrations = select(Registration).order_by(Registration.id)
    if registration_id is not None:
        registrations = registrations.where(Registration.id == registration_id)
    summary = []
    for registration in session.scalars(registrations):
        last = session.scalar(
            select(OutgoingScore).where(
                OutgoingScore.registration_id == registration.id,
                or_(_listed_state("failing"), _listed_state("failed")))
            .order_by(OutgoingScore.last_attempt_at.desc(), OutgoingScore.id.desc()).limit(1))
        waiting, failing, failed = (
            sum(n for (reg, s), n in counts.items() if reg == registration.id and s == state)
            for state in ("waiting", "failing", "failed"))
        summary.append(RegistrationOutbox(
            registration_id=registration.id, name=registration.name, waiting=waiting,
            failing=failing, failed=failed, last_status=last.last_status if last else None,
            last_answer=last.last_answer if last else None,
            last_attempt_at=last.last_attempt_at if last else None))
    return summary


def retry_scores(session: Session, now: datetime, *, registration_id: int | None = None,
                 ids: list[int] | None = None) -> int:
    """Make failed and failing scores due now, with a fresh retry window; how many."""
    statement = update(OutgoingScore).where(
        or_(_listed_state("failing"), _listed_state("failed"))).values(
            state=ScoreState.PENDING, next_attempt_at=now, failing_since=None, failures=0)
    if registration_id is not None:
        statement = statement.where(OutgoingScore.registration_id == registration_id)
    if ids:
        statement = statement.where(OutgoingScore.id.in_(ids))
    return int(session.execute(statement).rowcount)  # type: ignore[attr-defined]
