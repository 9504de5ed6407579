"""What learners and trainers do after a launch: open and complete modules, refresh the course
roster, download the trainer's table.

The launch id in the URL is the bearer of the launch (no cookie is needed, so the pages work in
an iframe whose cookies the browser blocks); forms that change something must also come from
the tool's own pages (``Origin``, else ``Referer``), so that a form on another site cannot
post them.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, redirect, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from curriculum.db import get_session
from curriculum.errors import Forbidden
from lti.i18n import init_jinja
from lti.learning import (
    course_roster,
    learner_content,
    module_page,
    roster_max_age,
    settle_completion,
    trainer_content,
)
from lti.models import LaunchSession
from lti.progress import complete_module
from lti.recording import get_launch_session
from lti.trainer import table_csv, trainer_table
from lti.views import no_store

bp = Blueprint("lti_learning", __name__, url_prefix="/lti", template_folder="templates")
bp.record_once(lambda state: init_jinja(state.app))
bp.after_request(no_store)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def check_same_origin() -> None:
    """A form that changes something was posted from the tool's own pages."""
    sent = request.headers.get("Origin") or _origin(request.headers.get("Referer", ""))
    allowed = {_origin(str(current_app.config["BASE_URL"])), _origin(request.host_url)}
    if sent.lower() not in allowed:
        raise Forbidden("This form must be sent from the activity's own page: open the "
                        "activity again from the course.")


def _launch(session: Session, launch_id: str) -> LaunchSession:
    return get_launch_session(session, launch_id)


@bp.get("/launches/<launch_id>/modules/<slug>")
def module(launch_id: str, slug: str) -> ResponseReturnValue:
    """A module of the launched package: opening it is recorded (and completes it when its
    rule says so)."""
    session = get_session(write=True)
    launch = _launch(session, launch_id)
    return module_page(session, launch, learner_content(session, launch), slug)


@bp.post("/launches/<launch_id>/modules/<slug>/complete")
def complete(launch_id: str, slug: str) -> ResponseReturnValue:
    """Mark a module complete (once, however often it is posted), then show it again."""
    check_same_origin()
    session = get_session()
    launch = _launch(session, launch_id)
    if launch.is_instructor:
        raise Forbidden("Trainers preview modules; their progress is not recorded.")
    content = learner_content(session, launch)
    change = complete_module(session, launch, content, slug)
    settle_completion(session, launch, content, change)
    if change.completed_now or content.module is not None:
        return redirect(url_for("lti.launched", launch_id=launch.id), 303)
    return redirect(url_for(".module", launch_id=launch.id, slug=slug), 303)


@bp.post("/launches/<launch_id>/roster")
def refresh_roster(launch_id: str) -> ResponseReturnValue:
    """The trainer asks for the course roster to be read again from the LMS."""
    check_same_origin()
    session = get_session()
    launch = _launch(session, launch_id)
    trainer_content(session, launch)
    if launch.context is not None:
        launch.context.roster_fetched_at = None
    return redirect(url_for("lti.launched", launch_id=launch.id), 303)


@bp.get("/launches/<launch_id>/learners.csv")
def learners_csv(launch_id: str) -> ResponseReturnValue:
    """The trainer's table as CSV: a header row, then a row per learner."""
    session = get_session()
    launch = _launch(session, launch_id)
    content = trainer_content(session, launch)
    roster = course_roster(session, launch, roster_max_age())
    table = trainer_table(session, launch, content, with_roster=roster.from_lms)
    slug = content.package["slug"] if content.module is None else content.module["slug"]
    return Response("\ufeff" + table_csv(table), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{slug}-learners.csv"'})
