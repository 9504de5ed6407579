"""The trainer's table over the launch flow: the course's learners from the LMS roster (NRPS,
paged, cached, refreshed), by module with status and dates, the package status, the gradebook
delivery of each learner's latest score, the fallback when the roster cannot be read, and the
CSV download."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from curriculum.db import utcnow
from lti.models import LmsContext, Membership, OutgoingScore, Registration, ScoreState
from lti.roster import next_link, normalise_role
from lti.trainer import safe_cell
from tests.lti.learning import (
    HOSTED,
    SAME_ORIGIN,
    launch_as,
    mark_complete,
    module_page,
    page,
    publish_learning_package,
)
from tests.lti.simulator import Failure, Platform
from tests.lti.tool import register, text_of

MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership#"


@pytest.fixture(params=["moodle", "canvas"])
def platform(request: pytest.FixtureRequest, session: Session) -> Platform:
    """A Moodle, then a Canvas, registered with the tool, and the package to link to."""
    publish_learning_package(session)
    chosen: Platform = request.getfixturevalue(request.param)
    register(session, chosen)
    return chosen


def csv_rows(client: FlaskClient, launch_id: str) -> list[list[str]]:
    """The trainer's CSV, parsed."""
    answer = client.get(f"/lti/launches/{launch_id}/learners.csv")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert "attachment" in answer.headers["Content-Disposition"]
    return list(csv.reader(io.StringIO(answer.get_data(as_text=True).lstrip("\ufeff"))))


def test_the_table_lists_roster_members_who_never_launched_from_every_page(
        client: FlaskClient, platform: Platform) -> None:
    newcomers = platform.add_members(120, "learner")
    launch_as(client, platform)  # the course's first learner opens the link
    trainer = launch_as(client, platform, role="instructor")

    rows = csv_rows(client, trainer)
    shown = text_of(page(client, trainer))

    learners = [u for u in platform.course.members if u.role == "learner"]
    assert len(learners) > 120
    assert len(rows) == 1 + len(learners)
    assert {row[2] for row in rows[1:]} == {u.sub for u in learners}
    assert platform.instructor.sub not in {row[2] for row in rows[1:]}
    assert newcomers[-1].name in shown and "not opened yet" in shown
    # Pages of 100 as the tool asks (Canvas: 50 at most), following rel="next".
    size = min(100, platform.members_page_cap or 100)
    pages = -(-len(platform.course.members) // size)
    assert pages >= 2 and platform.hits["memberships"] == pages


def test_the_roster_is_kept_and_read_again_when_old_or_when_the_trainer_asks(
        client: FlaskClient, session: Session, platform: Platform) -> None:
    trainer = launch_as(client, platform, role="instructor")
    page(client, trainer)
    page(client, trainer)
    assert platform.hits["memberships"] == 1

    refresh = client.post(f"/lti/launches/{trainer}/roster", headers=SAME_ORIGIN)
    assert refresh.status_code == 303
    page(client, trainer)
    assert platform.hits["memberships"] == 2

    context = session.scalars(select(LmsContext)).one()
    context.roster_fetched_at = utcnow() - timedelta(hours=1)
    session.commit()
    assert "Roster read from the LMS on" in text_of(page(client, trainer))
    assert platform.hits["memberships"] == 3


def test_a_refused_roster_falls_back_to_those_who_launched_with_a_note(
        client: FlaskClient, platform: Platform) -> None:
    absent = platform.add_members(1, "learner")[0]
    launch_as(client, platform)
    platform.fail_next("memberships", Failure.error(403, {"error": "NRPS is switched off"}))
    trainer = launch_as(client, platform, role="instructor")

    shown = text_of(page(client, trainer))

    assert "The LMS's roster service answered 403" in shown
    assert "NRPS is switched off" in shown
    assert "Showing the learners who opened this activity." in shown
    assert platform.learner.name in shown and absent.name not in shown


def test_a_roster_the_lms_did_not_grant_is_not_asked_for(
        client: FlaskClient, session: Session, platform: Platform) -> None:
    registration = session.scalars(select(Registration)).one()
    registration.granted_scopes = ["https://purl.imsglobal.org/spec/lti-ags/scope/score"]
    session.commit()
    trainer = launch_as(client, platform, role="instructor")

    shown = text_of(page(client, trainer))

    assert "The LMS did not grant this tool access to course rosters." in shown
    assert platform.hits["memberships"] == 0


def test_a_launch_without_the_roster_service_says_so(
        client: FlaskClient, platform: Platform) -> None:
    trainer = launch_as(client, platform, role="instructor", with_nrps=False)
    assert "The LMS did not offer this course's roster" in text_of(page(client, trainer))


def test_roster_roles_are_kept_as_full_uris(
        client: FlaskClient, session: Session, platform: Platform) -> None:
    page(client, launch_as(client, platform, role="instructor"))
    roles = {tuple(m.roles) for m in session.scalars(select(Membership))}
    assert roles == {(MEMBERSHIP + "Learner",), (MEMBERSHIP + "Instructor",)}


@pytest.mark.parametrize(("role", "uri"), [
    ("Learner", MEMBERSHIP + "Learner"),
    ("Instructor#TeachingAssistant",
     "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"),
    (MEMBERSHIP + "Mentor", MEMBERSHIP + "Mentor"),
    ("http://example.org/roles#Auditor", "http://example.org/roles#Auditor"),
])
def test_short_role_names_become_membership_uris(role: str, uri: str) -> None:
    assert normalise_role(role) == uri


def test_the_next_page_is_found_among_several_links() -> None:
    header = ('<https://lms.example/r?page=2>; rel="current",<https://lms.example/r?page=3>; '
              'rel="next",<https://lms.example/r?page=1>; rel="first"')
    assert next_link(header) == "https://lms.example/r?page=3"
    assert next_link('<https://lms.example/r?page=9>; rel="last"') is None
    assert next_link(None) is None


def test_the_table_shows_status_dates_package_and_gradebook_delivery(
        client: FlaskClient, session: Session, platform: Platform) -> None:
    learner = launch_as(client, platform)
    module_page(client, learner, HOSTED)
    mark_complete(client, learner, HOSTED)
    trainer = launch_as(client, platform, role="instructor")

    rows = csv_rows(client, trainer)
    assert rows[0][:5] == ["Learner", "Email", "User id", "Hosted here: status",
                           "Hosted here: completed (UTC)"]
    mine = next(row for row in rows if row[2] == platform.learner.sub)
    assert mine[3] == "completed" and mine[4].startswith(str(utcnow().year))
    assert mine[5] == "not started"
    assert mine[-4:-2] == ["started", ""]
    assert mine[-2] == "waiting"

    score = session.scalars(select(OutgoingScore)).one()
    score.attempts, score.last_status, score.last_answer = 3, 500, "Internal Server Error"
    session.commit()
    shown = text_of(page(client, trainer))
    assert "failing" in shown and "The LMS answered: 500 Internal Server Error" in shown

    score.state, score.delivered_at = ScoreState.DELIVERED, utcnow()
    session.commit()
    assert csv_rows(client, trainer)[1 + [r[2] for r in rows[1:]].index(
        platform.learner.sub)][-2] == "delivered"


def test_the_csv_quotes_cells_a_spreadsheet_would_run_as_formulas(
        client: FlaskClient, platform: Platform) -> None:
    launch_as(client, platform, name="=HYPERLINK(\"http://evil.example\")", with_nrps=False)
    trainer = launch_as(client, platform, role="instructor", with_nrps=False)

    rows = csv_rows(client, trainer)

    assert rows[1][0] == "'=HYPERLINK(\"http://evil.example\")"


@pytest.mark.parametrize(("value", "safe"), [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("Amina", "Amina"), ("", ""), (None, "")])
def test_a_cell_that_starts_like_a_formula_gets_a_quote(value: str | None, safe: str) -> None:
    assert safe_cell(value) == safe


def test_learners_cannot_see_the_trainers_table(client: FlaskClient, platform: Platform) -> None:
    learner = launch_as(client, platform)
    assert client.get(f"/lti/launches/{learner}/learners.csv").status_code == 403
    assert client.post(f"/lti/launches/{learner}/roster",
                       headers=SAME_ORIGIN).status_code == 403


def test_a_roster_stops_at_the_page_cap(client: FlaskClient, monkeypatch: pytest.MonkeyPatch,
                                        platform: Platform) -> None:
    monkeypatch.setattr("lti.roster.PAGE_CAP", 1)
    platform.add_members(120, "learner")
    page(client, launch_as(client, platform, role="instructor"))
    assert platform.hits["memberships"] == 1
