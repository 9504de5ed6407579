"""Deep Linking round trips: the platform's request, the tool's picker, and the signed response
the platform checks against the tool's key set (over HTTP, as a browser would carry it)."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from lti.models import LaunchSession, ResourceLink
from packages.models import Package, PackageVersion
from tests.lti.simulator import (
    CanvasPlatform,
    DeepLinkingResult,
    FormPost,
    MoodlePlatform,
    Platform,
    parse_auto_form,
)
from tests.lti.tool import (
    FOUNDATIONS,
    TOOL,
    launch,
    launch_id_of,
    load_demo_curriculum,
    open_launch,
    register,
    text_of,
)

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
DL_DATA = "https://purl.imsglobal.org/spec/lti-dl/claim/data"
DL_CONTENT_ITEMS = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"


@pytest.fixture(autouse=True)
def demo(runner: FlaskCliRunner) -> None:
    """The demo curriculum: the packages a trainer picks from."""
    load_demo_curriculum(runner)


@pytest.fixture
def registered_moodle(session: Session, moodle: MoodlePlatform) -> MoodlePlatform:
    """The Moodle, registered with the tool."""
    register(session, moodle)
    return moodle


@pytest.fixture
def registered_canvas(session: Session, canvas: CanvasPlatform) -> CanvasPlatform:
    """The Canvas, registered with the tool."""
    register(session, canvas)
    return canvas


@pytest.fixture(params=["moodle", "canvas"])
def platform(request: pytest.FixtureRequest) -> Platform:
    """Each registered platform in turn."""
    chosen: Platform = request.getfixturevalue(f"registered_{request.param}")
    return chosen


def open_picker(client: FlaskClient, platform: Platform, **request: Any) -> TestResponse:
    """Launch a Deep Linking request and open the picker it leads to."""
    answer = launch(client, platform, platform.deep_linking_request(**request))
    assert answer.status_code == 303, text_of(answer)
    assert answer.headers["Location"].endswith("/deep-linking")
    page = client.get(answer.headers["Location"])
    assert page.status_code == 200, text_of(page)
    return page


def choose(client: FlaskClient, picker: TestResponse, **form: str) -> TestResponse:
    """Submit the picker's form (``package``, ``choice``, ``module``, ``pin``)."""
    return client.post(picker.request.path, data={"package": FOUNDATIONS, **form})


def auto_post(answer: TestResponse) -> FormPost:
    """The auto-submitted form of the tool's Deep Linking response page."""
    assert answer.status_code == 200, text_of(answer)
    return parse_auto_form(answer.get_data(as_text=True))


def carry_back(platform: Platform, form: FormPost) -> DeepLinkingResult:
    """POST the response to the platform over HTTP, as the browser does; what it accepted."""
    answer = requests.post(form.action, data=form.fields, timeout=5)
    assert answer.status_code == 200, (answer.text, platform.deep_link_errors)
    return platform.deep_link_responses[-1]


def foundations_modules(session: Session) -> list[dict[str, Any]]:
    """The modules of the foundations package's latest version, in order."""
    package = session.scalars(select(Package).where(Package.slug == FOUNDATIONS)).one()
    version = session.scalars(select(PackageVersion).where(
        PackageVersion.package_id == package.id,
        PackageVersion.number == package.latest_version_number)).one()
    return [item["module"] for section in version.snapshot["sections"]
            for item in section["items"]]


def test_the_picker_lists_packages_with_their_modules_duration_and_agencies(
        client: FlaskClient, session: Session, registered_moodle: MoodlePlatform) -> None:
    page = text_of(open_picker(client, registered_moodle))
    assert "Add training from the GMG curriculum" in page
    assert "7 packages" in page and "one link at a time" not in page
    assert "Core Curriculum: Foundations of Migration Governance" in page
    assert "Version 2 · IOM, UNITAR, IIHL, AUC-CMRS · 8 modules · 3 h 20 min" in page
    assert "Labour Migration" in page
    for module in foundations_modules(session):
        assert module["title"] in page
    assert "EMM2.0 e-course: Gender and Migration (IOM, 45 min)" in page
    assert "one link per module (8 links)" in page


def test_each_package_in_the_picker_links_to_its_syllabus_in_a_new_tab(
        client: FlaskClient, registered_moodle: MoodlePlatform) -> None:
    page = open_picker(client, registered_moodle).get_data(as_text=True)
    link = (f'<a href="/packages/{FOUNDATIONS}/syllabus.pdf?version=2" target="_blank" '
            'rel="noopener" type="application/pdf" aria-label="Syllabus of Core Curriculum: '
            'Foundations of Migration Governance, version 2 (PDF, opens in a new tab)">'
            'syllabus (PDF)</a>')
    assert link in page
    assert page.count("syllabus (PDF)</a>") == 7


def test_the_picker_searches_the_curriculum(
        client: FlaskClient, registered_moodle: MoodlePlatform) -> None:
    picker = open_picker(client, registered_moodle)
    page = text_of(client.get(picker.request.path, query_string={"q": "recruitment"}))
    assert "Search 1 package " in page and "Fair Recruitment" in page
    assert "Foundations of Migration Governance" not in page


def test_a_deep_linking_launch_records_its_settings_and_no_link(
        client: FlaskClient, session: Session, platform: Platform) -> None:
    answer = launch(client, platform, platform.deep_linking_request())
    launch_session = session.get(LaunchSession, launch_id_of(answer))
    assert launch_session is not None
    assert launch_session.message_type == "LtiDeepLinkingRequest"
    assert launch_session.is_instructor is True
    assert launch_session.deep_linking_settings is not None
    assert launch_session.deep_linking_settings["deep_link_return_url"].startswith(
        platform.site_url)
    assert session.scalar(select(ResourceLink.id)) is None


def test_moodle_gets_one_signed_link_per_module_back(
        client: FlaskClient, session: Session, registered_moodle: MoodlePlatform) -> None:
    moodle = registered_moodle
    assert client.get("/lti/jwks.json").get_json() == moodle.tool_jwks
    picker = open_picker(client, moodle)
    form = auto_post(choose(client, picker, choice="modules"))
    assert form.action == moodle.deep_linking_settings(None, None)["deep_link_return_url"]
    assert set(form.fields) == {"JWT"}

    result = moodle.verify_deep_linking_response(form.fields["JWT"])
    claims = result.claims
    assert claims["iss"] == moodle.client_id
    assert claims["aud"] in (moodle.issuer, [moodle.issuer])
    assert isinstance(claims["nonce"], str) and claims["nonce"]
    assert claims[LTI + "deployment_id"] == moodle.deployment_id
    assert claims[LTI + "message_type"] == "LtiDeepLinkingResponse"
    assert DL_DATA not in claims

    modules = foundations_modules(session)
    assert len(result.content_items) == len(modules) == 8
    for item, module in zip(result.content_items, modules, strict=True):
        assert item["type"] == "ltiResourceLink"
        assert item["url"] == TOOL.launch
        assert item["title"] == module["title"]
        assert item["custom"] == {"package": FOUNDATIONS, "module": module["slug"]}
        assert item["lineItem"]["scoreMaximum"] == 100
        assert item["lineItem"]["label"] == module["title"]
        assert item["lineItem"]["resourceId"] == f"{FOUNDATIONS}:{module['slug']}"


def test_the_response_page_posts_itself_to_the_platform(
        client: FlaskClient, registered_moodle: MoodlePlatform) -> None:
    answer = choose(client, open_picker(client, registered_moodle), choice="modules")
    html = answer.get_data(as_text=True)
    assert 'document.getElementById("deep-linking-response").submit()' in html
    assert "Adding 8 links to the course" in text_of(answer)
    result = carry_back(registered_moodle, auto_post(answer))
    assert len(result.content_items) == 8


def test_a_pinned_choice_carries_the_version_in_each_item(
        client: FlaskClient, platform: Platform) -> None:
    picker = open_picker(client, platform)
    result = carry_back(platform, auto_post(choose(client, picker, choice="package", pin="1")))
    (item,) = result.content_items
    assert item["custom"] == {"package": FOUNDATIONS, "version": "2"}
    assert item["title"] == "Core Curriculum: Foundations of Migration Governance"
    assert item["lineItem"]["resourceId"] == FOUNDATIONS


def test_a_placed_module_launches_into_that_module(
        client: FlaskClient, platform: Platform) -> None:
    module = "emm2-0-e-course-gender-and-migration"
    picker = open_picker(client, platform)
    result = carry_back(platform, auto_post(choose(client, picker, choice="module",
                                                   module=module)))
    (item,) = result.content_items
    assert item["custom"] == {"package": FOUNDATIONS, "module": module}
    page = text_of(open_launch(client, platform, platform.resource_link_launch(
        resource_link_id="placed-by-deep-linking", custom=item["custom"])))
    assert "EMM2.0 e-course: Gender and Migration" in page
    assert "From the package “Core Curriculum: Foundations of Migration Governance”" in page


def test_canvas_assignment_selection_gets_exactly_one_item(
        client: FlaskClient, registered_canvas: CanvasPlatform) -> None:
    canvas = registered_canvas
    picker = open_picker(client, canvas, placement="assignment_selection")
    page = text_of(picker)
    assert "this placement takes one link at a time" in page
    assert "one link per module" not in page
    result = carry_back(canvas, auto_post(choose(client, picker, choice="package")))
    assert len(result.content_items) == 1
    assert result.content_items[0]["lineItem"]["scoreMaximum"] == 100


def test_canvas_assignment_selection_refuses_several_items(
        client: FlaskClient, registered_canvas: CanvasPlatform) -> None:
    picker = open_picker(client, registered_canvas, placement="assignment_selection")
    answer = choose(client, picker, choice="modules")
    assert answer.status_code == 400
    assert "This placement accepts a single link" in text_of(answer)
    assert registered_canvas.deep_link_responses == []


def test_canvas_link_selection_takes_several_items(
        client: FlaskClient, registered_canvas: CanvasPlatform) -> None:
    picker = open_picker(client, registered_canvas, placement="link_selection")
    result = carry_back(registered_canvas, auto_post(choose(client, picker, choice="modules")))
    assert len(result.content_items) == 8


def test_data_is_echoed_back_when_the_platform_sent_some(
        client: FlaskClient, platform: Platform) -> None:
    picker = open_picker(client, platform, data="opaque-987")
    result = carry_back(platform, auto_post(choose(client, picker)))
    assert result.data == "opaque-987"


def test_no_data_comes_back_when_the_platform_sent_none(
        client: FlaskClient, platform: Platform) -> None:
    picker = open_picker(client, platform)
    result = carry_back(platform, auto_post(choose(client, picker)))
    assert DL_DATA not in result.claims


def test_an_unknown_module_choice_is_refused(
        client: FlaskClient, registered_moodle: MoodlePlatform) -> None:
    picker = open_picker(client, registered_moodle)
    answer = choose(client, picker, choice="module", module="no-such-module")
    assert answer.status_code == 400
    assert "Choose a package or a module first" in text_of(answer)


def test_a_resource_link_launch_cannot_open_the_picker(
        client: FlaskClient, registered_moodle: MoodlePlatform) -> None:
    answer = launch(client, registered_moodle, registered_moodle.resource_link_launch(
        custom={"package": FOUNDATIONS}))
    picker = client.get(f"/lti/launches/{launch_id_of(answer)}/deep-linking")
    assert picker.status_code == 400
    assert "This launch was not a Deep Linking request" in text_of(picker)


def test_a_deep_linking_request_without_a_return_url_is_refused(
        client: FlaskClient, session: Session, registered_moodle: MoodlePlatform) -> None:
    answer = launch(client, registered_moodle, registered_moodle.deep_linking_request(
        remove=["deep_linking_settings.deep_link_return_url"]))
    assert answer.status_code == 400
    assert "no deep_link_return_url" in text_of(answer)
    assert session.scalar(select(LaunchSession.id)) is None
