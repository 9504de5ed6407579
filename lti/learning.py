"""The pages a launch opens, assembled from the services: the learner's package and modules
with their progress, the trainer's table with the course roster, in the launch's language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from curriculum.db import get_database
from curriculum.errors import Forbidden, NotFound
from exports.certificates import issue_certificate
from exports.codes import format_code
from exports.models import Certificate
from exports.syllabus import SYLLABUS_LANGUAGES
from lti.i18n import page_language, render_in
from lti.models import LaunchSession, LmsContext, Registration
from lti.pages import LaunchedContent, course_overview, launched_content
from lti.progress import Change, blank_progress, open_module, progress_of
from lti.roster import RosterUnavailable, fetch_roster, roster_is_fresh, roster_refusal
from lti.trainer import trainer_table
from packages.models import PackageVersion
from packages.services import get_version


def learner_content(session: Session, launch: LaunchSession) -> LaunchedContent:
    """The content of a learner's (or a previewing trainer's) launch of a placed link."""
    content = launched_content(session, launch)
    if content is None or launch.user_id is None:
        raise NotFound("This activity does not open a training package.")
    return content


def trainer_content(session: Session, launch: LaunchSession) -> LaunchedContent:
    """The content of a trainer's launch; learners may not see the trainer's pages."""
    if not launch.is_instructor:
        raise Forbidden("Only the course's trainers see its learners.")
    return learner_content(session, launch)


def _version(session: Session, launch: LaunchSession, content: LaunchedContent
             ) -> PackageVersion:
    link = launch.resource_link
    assert link is not None and link.package is not None
    version = get_version(session, link.package, content.version)
    assert version is not None
    return version


def holder_key(launch: LaunchSession) -> str:
    """Who holds a certificate, for the certificate service: the LMS user of a registration."""
    assert launch.user is not None
    return f"{launch.registration_id}:{launch.user.sub}"


def settle_completion(session: Session, launch: LaunchSession, content: LaunchedContent,
                      change: Change) -> Certificate | None:
    """A learner who completed a whole package just now gets its certificate, in the same
    transaction (a link to one module completes that module, not the package)."""
    if (not change.completed_now or content.module is not None or launch.user is None
            or change.progress.completed_at is None):
        return None
    lang = page_language(launch.locale)
    return issue_certificate(
        session, holder_key=holder_key(launch), learner_name=launch.user.display_name,
        package_version=_version(session, launch, content),
        completed_at=change.progress.completed_at,
        lang=lang if lang in SYLLABUS_LANGUAGES else "en")


def certificate_of(session: Session, launch: LaunchSession, content: LaunchedContent
                   ) -> Certificate | None:
    """The certificate the learner holds for the link's version, if any."""
    if content.module is not None or launch.user is None:
        return None
    return session.scalar(select(Certificate).where(
        Certificate.holder_key == holder_key(launch),
        Certificate.package_version_id == _version(session, launch, content).id))


# The learner ---------------------------------------------------------------------------------


def learner_page(session: Session, launch: LaunchSession, content: LaunchedContent) -> str:
    """The package with the learner's progress; a link to one module shows just that module."""
    if content.module is not None:
        return module_page(session, launch, content, content.module["slug"])
    progress = (blank_progress(content) if launch.is_instructor
                else progress_of(session, launch, content))
    certificate = certificate_of(session, launch, content) if progress.completed_at else None
    return render_in(launch.locale, "lti/learner.html", launch=launch, content=content,
                     progress=progress, next_module=progress.next_module,
                     certificate=certificate,
                     certificate_code=format_code(certificate.code) if certificate else None)


def module_page(session: Session, launch: LaunchSession, content: LaunchedContent, slug: str
                ) -> str:
    """A module; a learner's opening is recorded (a trainer only previews it)."""
    if launch.is_instructor:
        progress = blank_progress(content)
        state = progress.module(slug)
    else:
        change = open_module(session, launch, content, slug)
        settle_completion(session, launch, content, change)
        progress = change.progress
        state = progress.module(slug)
    index = [s.slug for s in progress.modules].index(slug)
    following = progress.modules[index + 1] if index + 1 < len(progress.modules) else None
    return render_in(launch.locale, "lti/module.html", launch=launch, content=content,
                     progress=progress, state=state, m=state.module, following=following,
                     single=content.module is not None)


# The trainer ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RosterView:
    """Whose roster the trainer's table shows, and why when it is not the LMS's."""

    from_lms: bool
    fetched_at: datetime | None
    note: str | None


def roster_max_age() -> timedelta:
    """How old a kept roster may be before a trainer's page reads it again."""
    return timedelta(seconds=int(current_app.config["LTI_ROSTER_MAX_AGE"]))


def course_roster(session: Session, launch: LaunchSession, max_age: timedelta) -> RosterView:
    """The course roster, read again from the LMS when older than ``max_age``.

    The reading is kept in a transaction of its own (it is a cache: a page that fails later
    keeps it), begun after the request's own has ended, so that on SQLite the two never wait
    for each other.
    """
    context = launch.context
    if context is None:
        return RosterView(False, None, "This launch names no course, so there is no roster.")
    refusal = roster_refusal(launch.registration, context)
    if refusal:
        return RosterView(False, None, refusal)
    if roster_is_fresh(context, max_age):
        return RosterView(True, context.roster_fetched_at, None)
    context_id, registration_id = context.id, launch.registration_id
    session.rollback()
    try:
        with get_database().transaction() as writer:
            registration = writer.get(Registration, registration_id)
            fetched = writer.get(LmsContext, context_id)
            assert registration is not None and fetched is not None
            fetch_roster(writer, registration, fetched)
    except RosterUnavailable as unavailable:
        session.refresh(context)
        return RosterView(context.roster_fetched_at is not None, context.roster_fetched_at,
                          str(unavailable))
    session.refresh(context)
    return RosterView(True, context.roster_fetched_at, None)


def trainer_page(session: Session, launch: LaunchSession, content: LaunchedContent | None,
                 max_age: timedelta) -> str:
    """The trainer's view: the course's links, or this link's learners by module."""
    context: dict[str, Any] = {"launch": launch, "content": content}
    if content is None or launch.resource_link_id is None:
        context["overview"] = course_overview(session, launch)
    else:
        roster = course_roster(session, launch, max_age)
        context["roster"] = roster
        context["table"] = trainer_table(session, launch, content, with_roster=roster.from_lms)
    return render_in(launch.locale, "lti/trainer.html", **context)
