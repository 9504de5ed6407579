"""The score outbox: scores queued for a platform's gradebook in the transaction of the progress
that caused them, for a worker to deliver (see :mod:`lti.delivery`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from curriculum.db import utcnow
from lti.models import LaunchSession, OutgoingScore, ResourceLink, ResourceLinkUser, ScoreState

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
