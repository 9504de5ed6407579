"""The trainer's table: every learner of the course by module of a placed link, the link's
completion, and where each learner's latest score is on its way to the gradebook.

Learners come from the course roster (NRPS, kept by :mod:`lti.roster`) and from the link's
launches, so that those who never opened it appear too.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti.claims import is_instructor
from lti.models import (
    LaunchSession,
    LmsUser,
    Membership,
    ModuleProgress,
    OutgoingScore,
    ResourceLinkUser,
    ScoreState,
)
from lti.pages import LaunchedContent
from lti.progress import ModuleState, Progress, blank_progress

#: Roster statuses of people who are no longer in the course.
GONE = ("Inactive", "Deleted")


@dataclass(frozen=True)
class ScoreDelivery:
    """Where a learner's latest score is: ``delivered``, ``waiting``, ``failing`` (with the
    platform's last answer) or ``failed``."""

    state: str
    share: float
    last_status: int | None
    last_answer: str | None
    at: datetime | None


@dataclass(frozen=True)
class LearnerRow:
    """One learner of the table."""

    user: LmsUser
    progress: Progress
    launched: bool
    score: ScoreDelivery | None


@dataclass(frozen=True)
class TrainerTable:
    """The table: its module columns and a row per learner."""

    modules: list[ModuleState]
    rows: list[LearnerRow]


def delivery_of(score: OutgoingScore) -> ScoreDelivery:
    """How a score row reads in the table."""
    if score.state == ScoreState.DELIVERED:
        state = "delivered"
    elif score.state == ScoreState.FAILED:
        state = "failed"
    else:
        state = "failing" if score.attempts and score.last_status != 200 else "waiting"
    return ScoreDelivery(state=state, share=score.progress, last_status=score.last_status,
                         last_answer=score.last_answer,
                         at=score.delivered_at or score.last_attempt_at or score.created_at)


def _learners(session: Session, launch: LaunchSession, with_roster: bool
              ) -> tuple[list[LmsUser], set[int]]:
    """The course's learners (roster members and those who launched the link), and the ids of
    those who launched."""
    link_users = session.scalars(select(ResourceLinkUser).where(
        ResourceLinkUser.resource_link_id == launch.resource_link_id,
        ResourceLinkUser.is_instructor.is_(False))).all()
    people = {row.user_id: row.user for row in link_users}
    if with_roster and launch.context_id is not None:
        for membership, user in session.execute(
                select(Membership, LmsUser).join(LmsUser, LmsUser.id == Membership.user_id)
                .where(Membership.context_id == launch.context_id)).all():
            if membership.status in GONE or is_instructor(membership.roles):
                continue
            people.setdefault(user.id, user)
    ordered = sorted(people.values(), key=lambda u: (u.display_name.casefold(), u.sub))
    return ordered, {row.user_id for row in link_users}


def _latest_scores(session: Session, launch: LaunchSession) -> dict[int, OutgoingScore]:
    latest: dict[int, OutgoingScore] = {}
    for score in session.scalars(select(OutgoingScore).where(
            OutgoingScore.resource_link_id == launch.resource_link_id,
            OutgoingScore.state != ScoreState.SUPERSEDED).order_by(OutgoingScore.id.desc())):
        latest.setdefault(score.user_id, score)
    return latest


def trainer_table(session: Session, launch: LaunchSession, content: LaunchedContent, *,
                  with_roster: bool) -> TrainerTable:
    """The table of the launch's link (four queries, whatever the number of learners)."""
    blank = blank_progress(content)
    users, launched = _learners(session, launch, with_roster)
    progress_rows: dict[int, dict[str, ModuleProgress]] = {}
    for row in session.scalars(select(ModuleProgress).where(
            ModuleProgress.resource_link_id == launch.resource_link_id)):
        progress_rows.setdefault(row.user_id, {})[row.module_slug] = row
    completed = {user_id: at for user_id, at in session.execute(select(
        ResourceLinkUser.user_id, ResourceLinkUser.completed_at).where(
        ResourceLinkUser.resource_link_id == launch.resource_link_id))}
    scores = _latest_scores(session, launch)
    rows = []
    for user in users:
        done = progress_rows.get(user.id, {})
        modules = [state if state.slug not in done else replace(
            state, opened_at=done[state.slug].opened_at,
            completed_at=done[state.slug].completed_at) for state in blank.modules]
        progress = replace(blank, modules=modules, completed_at=completed.get(user.id))
        score = scores.get(user.id)
        rows.append(LearnerRow(user=user, progress=progress, launched=user.id in launched,
                               score=delivery_of(score) if score else None))
    return TrainerTable(modules=blank.modules, rows=rows)


# CSV -----------------------------------------------------------------------------------------

#: What a spreadsheet would take for a formula at the start of a cell (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """A cell a spreadsheet shows as text: one that starts like a formula gets a quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


def table_rows(table: TrainerTable) -> Iterable[list[str]]:
    """The table as CSV rows: a header, then one row per learner (times in UTC)."""
    header = ["Learner", "Email", "User id"]
    for module in table.modules:
        header += [f"{module.title}: status", f"{module.title}: completed (UTC)"]
    header += ["Package status", "Package completed (UTC)", "Gradebook", "Gradebook answer"]
    yield header
    for row in table.rows:
        cells: list[object] = [row.user.display_name, row.user.email or "", row.user.sub]
        for state in row.progress.modules:
            cells += [state.status.replace("_", " "), _when(state.completed_at)]
        package = ("completed" if row.progress.completed_at else
                   "started" if any(s.opened_at for s in row.progress.modules) else
                   "not started")
        score = row.score
        cells += [package, _when(row.progress.completed_at),
                  score.state if score else "",
                  (f"{score.last_status}: {score.last_answer or ''}".strip()
                   if score and score.last_status else "")]
        yield [safe_cell(cell) for cell in cells]


def table_csv(table: TrainerTable) -> str:
    """The table as a CSV document."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in table_rows(table):
        writer.writerow(row)
    return out.getvalue()
