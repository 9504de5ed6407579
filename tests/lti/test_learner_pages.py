"""What a learner sees and does after a launch, over the real launch flow: the package's modules
with their status and a progress bar, Continue, each module's page, marking it complete (once,
only from the tool's own pages), completion by opening, single-module links, the certificate,
and the pages in the launch's language."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from exports.models import Certificate
from lti.models import ModuleProgress, OutgoingScore
from tests.lti.learning import (
    ELSEWHERE,
    EXTERNAL_URL,
    HOSTED,
    OPENED,
    PACKAGE,
    launch_as,
    mark_complete,
    module_page,
    page,
    publish_learning_package,
    status_of,
)
from tests.lti.simulator import Platform
from tests.lti.tool import register, text_of


@pytest.fixture(params=["moodle", "canvas"])
def platform(request: pytest.FixtureRequest, session: Session) -> Platform:
    """A Moodle, then a Canvas, registered with the tool, and the package to link to."""
    publish_learning_package(session)
    chosen: Platform = request.getfixturevalue(request.param)
    register(session, chosen)
    return chosen


def count(session: Session, model: type, *where: object) -> int:
    """Rows of ``model`` (read fresh)."""
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model).where(*where)) or 0  # type: ignore[arg-type]


def test_a_learner_sees_each_module_with_its_status_and_a_progress_bar(
        client: FlaskClient, platform: Platform) -> None:
    launch_id = launch_as(client, platform)
    module_page(client, launch_id, HOSTED)
    mark_complete(client, launch_id, HOSTED)
    module_page(client, launch_id, ELSEWHERE)

    overview = page(client, launch_id)

    assert status_of(overview, "Hosted here") == "Completed"
    assert status_of(overview, "On the agency platform") == "Started"
    assert status_of(overview, "Read it and it is done") == "Not started"
    html = overview.get_data(as_text=True)
    assert re.search(r'<progress id="package-progress" max="3" value="1" '
                     r'aria-labelledby="package-progress-label">33%</progress>', html)
    assert "1 of 3 modules completed" in text_of(overview)


def test_continue_resumes_at_the_first_unfinished_module_after_the_one_opened_last(
        client: FlaskClient, platform: Platform) -> None:
    launch_id = launch_as(client, platform)
    assert f"/modules/{HOSTED}\">Start: Hosted here" in page(client, launch_id).get_data(
        as_text=True)
    module_page(client, launch_id, ELSEWHERE)

    html = page(client, launch_id).get_data(as_text=True)

    assert f"/modules/{ELSEWHERE}\">Continue: On the agency platform" in html


def test_marking_a_module_complete_twice_records_one_completion_and_one_score(
        client: FlaskClient, session: Session, platform: Platform) -> None:
    launch_id = launch_as(client, platform)
    first = mark_complete(client, launch_id, HOSTED)
    second = mark_complete(client, launch_id, HOSTED)

    assert first.status_code == second.status_code == 303
    assert first.headers["Location"].endswith(f"/lti/launches/{launch_id}/modules/{HOSTED}")
    assert count(session, ModuleProgress, ModuleProgress.completed_at.is_not(None)) == 1
    assert count(session, OutgoingScore) == 1
    assert "You completed this module on" in text_of(client.get(first.headers["Location"]))


@pytest.mark.parametrize("headers", [
    {"Origin": "https://evil.example"}, {"Referer": "https://evil.example/page"}, {}],
    ids=["another site's origin", "another site's referer", "neither"])
def test_a_form_from_another_site_cannot_complete_a_module(
        client: FlaskClient, session: Session, platform: Platform,
        headers: dict[str, str]) -> None:
    launch_id = launch_as(client, platform)

    answer = mark_complete(client, launch_id, HOSTED, headers=headers)

    assert answer.status_code == 403
    assert count(session, ModuleProgress) == 0


def test_a_form_from_the_tools_own_page_may_name_it_by_referer(
        client: FlaskClient, platform: Platform) -> None:
    launch_id = launch_as(client, platform)
    referer = {"Referer": f"http://localhost/lti/launches/{launch_id}/modules/{HOSTED}"}
    assert mark_complete(client, launch_id, HOSTED, headers=referer).status_code == 303


def test_a_module_completed_by_opening_is_complete_once_opened(
        client: FlaskClient, session: Session, platform: Platform) -> None:
    launch_id = launch_as(client, platform)

    opened = text_of(module_page(client, launch_id, OPENED))

    assert "You completed this module on" in opened and "Mark as complete" not in opened
    assert count(session, ModuleProgress, ModuleProgress.completed_at.is_not(None)) == 1


def test_a_hosted_module_shows_its_content_and_an_external_one_opens_in_a_new_tab(
        client: FlaskClient, platform: Platform) -> None:
    launch_id = launch_as(client, platform)

    hosted = module_page(client, launch_id, HOSTED).get_data(as_text=True)
    external = module_page(client, launch_id, ELSEWHERE).get_data(as_text=True)

    assert "<p>Read this <strong>carefully</strong>.</p>" in hosted
    assert (f'<a class="button" href="{EXTERNAL_URL}" target="_blank" '
            f'rel="noopener noreferrer">') in external
    assert "This module lives on IOM's platform" in external
    assert "It opens in a new tab" in external


def test_an_unknown_module_is_not_found(client: FlaskClient, platform: Platform) -> None:
    launch_id = launch_as(client, platform)
    assert client.get(f"/lti/launches/{launch_id}/modules/no-such-module").status_code == 404


def test_a_link_to_one_module_shows_just_that_module(
        client: FlaskClient, session: Session, platform: Platform) -> None:
    launch_id = launch_as(client, platform, custom={"package": PACKAGE, "module": ELSEWHERE})

    shown = text_of(page(client, launch_id))
    answer = mark_complete(client, launch_id, ELSEWHERE)

    assert "On the agency platform" in shown and "Hosted here" not in shown
    assert "From the package “Learning test package”, version 1" in shown
    assert answer.headers["Location"].endswith(f"/lti/launches/{launch_id}")
    assert "You completed this module on" in text_of(page(client, launch_id))
    assert count(session, Certificate) == 0  # one module is not the package


def test_completing_the_package_shows_it_and_offers_a_certificate_that_verifies(
        client: FlaskClient, session: Session, platform: Platform) -> None:
    launch_id = launch_as(client, platform)
    mark_complete(client, launch_id, HOSTED)
    mark_complete(client, launch_id, ELSEWHERE)
    last = module_page(client, launch_id, OPENED)  # completes it, and with it the package
    assert "You completed the package" in text_of(last)

    overview = page(client, launch_id)

    assert "You completed this package on" in text_of(overview)
    code = re.search(r'href="/certificates/([A-Z0-9-]+)\.pdf"',
                     overview.get_data(as_text=True))
    assert code, "no certificate link"
    check = client.get(f"/certificates/{code.group(1)}")
    assert check.status_code == 200
    assert platform.learner.name in text_of(check) and "Learning test package" in text_of(check)
    assert count(session, Certificate) == 1
    mark_complete(client, launch_id, HOSTED)
    assert count(session, Certificate) == 1


def test_a_trainer_previews_modules_without_recording_progress(
        client: FlaskClient, session: Session, platform: Platform) -> None:
    launch_id = launch_as(client, platform, role="instructor")

    preview = text_of(module_page(client, launch_id, OPENED))

    assert "Trainer preview" in preview and "Mark as complete" not in preview
    assert mark_complete(client, launch_id, HOSTED).status_code == 403
    assert count(session, ModuleProgress) == 0


def test_a_french_launch_gets_french_pages(client: FlaskClient, platform: Platform) -> None:
    platform.learner.locale = "fr-FR"
    launch_id = launch_as(client, platform)

    overview = page(client, launch_id)
    module = module_page(client, launch_id, HOSTED)

    assert '<html lang="fr">' in overview.get_data(as_text=True)
    assert "Votre progression" in text_of(overview) and "Commencer : Hosted here" in text_of(
        overview)
    assert "Marquer comme terminé" in text_of(module)


def test_a_launch_in_a_language_without_a_catalogue_gets_english(
        client: FlaskClient, platform: Platform) -> None:
    platform.learner.locale = "sw"
    launch_id = launch_as(client, platform)
    overview = page(client, launch_id)
    assert '<html lang="en">' in overview.get_data(as_text=True)
    assert "Your progress" in text_of(overview)


def test_the_pages_may_be_shown_in_the_lms_iframe_and_keep_the_launch_id_to_themselves(
        client: FlaskClient, platform: Platform) -> None:
    launch_id = launch_as(client, platform)
    for answer in (page(client, launch_id), module_page(client, launch_id, HOSTED)):
        assert "X-Frame-Options" not in answer.headers
        assert "frame-ancestors" not in answer.headers.get("Content-Security-Policy", "")
        assert answer.headers["Referrer-Policy"] == "same-origin"
        assert answer.headers["Cache-Control"] == "no-store"

