"""Shared steps of the learner and trainer page tests: a package of three modules (one hosted
here, one on its agency's platform, one completed by opening it), launches into it, and the
forms a learner's browser posts."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from curriculum.inventory.reference import load_agencies, reference_agencies
from curriculum.inventory.services import create_module
from packages.services import create_package, publish_package
from tests.helpers import module_data, package_data
from tests.lti.simulator import Platform
from tests.lti.tool import TOOL_BASE_URL, launch, launch_id_of, text_of

PACKAGE = "learning-test-package"
HOSTED = "hosted-here"
ELSEWHERE = "on-the-agency-platform"
OPENED = "read-it-and-it-is-done"
MODULES = (HOSTED, ELSEWHERE, OPENED)
EXTERNAL_URL = "https://e-campus.example.org/courses/42"
#: What the tool's own pages send with a form (browsers always do for a POST).
SAME_ORIGIN = {"Origin": TOOL_BASE_URL}


def publish_learning_package(session: Session) -> str:
    """A published package: a hosted module, an external one and one completed by opening,
    in that order, all required; its slug."""
    load_agencies(session, [a for a in reference_agencies() if a["code"] in ("IOM", "UNITAR")])
    create_module(session, module_data(
        "Hosted here", slug=HOSTED,
        content_html="<p>Read this <strong>carefully</strong>.</p>"))
    create_module(session, module_data("On the agency platform", slug=ELSEWHERE,
                                       url=EXTERNAL_URL))
    create_module(session, module_data("Read it and it is done", slug=OPENED,
                                       completed_when="opened"))
    package = create_package(session, package_data(list(MODULES), title="Learning test package",
                                                   slug=PACKAGE))
    publish_package(session, package, "First publication.", None)
    session.commit()
    return PACKAGE


def launch_as(client: FlaskClient, platform: Platform, **options: object) -> str:
    """A launch of the package's link (learner unless ``role`` says otherwise); its id."""
    options.setdefault("custom", {"package": PACKAGE})
    answer = launch(client, platform, platform.resource_link_launch(**options))  # type: ignore[arg-type]
    assert answer.status_code == 303, text_of(answer)
    return launch_id_of(answer)


def page(client: FlaskClient, launch_id: str, path: str = "") -> TestResponse:
    """A page of a launch that must answer 200."""
    answer = client.get(f"/lti/launches/{launch_id}{path}")
    assert answer.status_code == 200, text_of(answer)
    return answer


def module_page(client: FlaskClient, launch_id: str, slug: str) -> TestResponse:
    """A module's page (opening it)."""
    return page(client, launch_id, f"/modules/{slug}")


def mark_complete(client: FlaskClient, launch_id: str, slug: str,
                  headers: dict[str, str] | None = None) -> TestResponse:
    """The learner presses "Mark as complete"."""
    return client.post(f"/lti/launches/{launch_id}/modules/{slug}/complete",
                       headers=SAME_ORIGIN if headers is None else headers)


def status_of(response: TestResponse, title: str) -> str:
    """The status a learner's package page shows next to a module's title."""
    found = re.search(re.escape(title) + r"</strong></a>\s*<span class=\"status \w+\">([^<]+)<",
                      response.get_data(as_text=True))
    assert found, f"no status for {title!r}"
    return found.group(1)
