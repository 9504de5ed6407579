"""Full launches from a Moodle- and a Canvas-shaped platform: login, OIDC, launch, the page it
opens, and what the tool records about it."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti.models import (
    LaunchSession,
    LmsContext,
    LmsUser,
    Membership,
    Registration,
    ResourceLink,
    ResourceLinkUser,
)
from packages.models import Package
from tests.lti.simulator import MoodlePlatform, Platform, Simulator
from tests.lti.tool import (
    FOUNDATIONS,
    launch,
    launch_id_of,
    load_demo_curriculum,
    open_launch,
    register,
    text_of,
)

FOUNDATIONS_TITLE = "Core Curriculum: Foundations of Migration Governance"
#: A module of both published versions of the foundations package.
GENDER_MODULE = ("emm2-0-e-course-gender-and-migration", "EMM2.0 e-course: Gender and Migration")
#: A module only version 2 of the foundations package has.
CERTIFICATE_MODULE = "certificate-in-migration-governance-iom-auc-cmrs"


@pytest.fixture(params=["moodle", "canvas"])
def platform(request: pytest.FixtureRequest, session: Session, runner: FlaskCliRunner
             ) -> Platform:
    """A Moodle, then a Canvas, registered with the tool, and the demo curriculum loaded."""
    load_demo_curriculum(runner)
    chosen: Platform = request.getfixturevalue(request.param)
    register(session, chosen)
    return chosen


def foundations(**custom: str) -> dict[str, str]:
    """Custom parameters of a link to the foundations package."""
    return {"package": FOUNDATIONS, **custom}


def test_a_learner_launch_opens_the_learner_page_of_the_package_the_link_names(
        client: FlaskClient, platform: Platform) -> None:
    page = open_launch(client, platform, platform.resource_link_launch(custom=foundations()))
    text = text_of(page)
    assert FOUNDATIONS_TITLE in text
    assert "Version 2 ·" in text and "this link keeps this version" not in text
    assert GENDER_MODULE[1] in text
    assert "Trainer view" not in text


def test_an_instructor_launch_opens_the_trainer_view_listing_the_learners_who_launched(
        client: FlaskClient, platform: Platform) -> None:
    first, second = [user for user in platform.course.members if user.role == "learner"][:2]
    for learner in (first, second, first):
        open_launch(client, platform, platform.resource_link_launch(user=learner,
                                                                    custom=foundations()))
    page = open_launch(client, platform, platform.resource_link_launch(
        role="instructor", custom=foundations()))
    text = text_of(page)
    assert "Trainer view" in text and platform.course.title in text
    assert FOUNDATIONS_TITLE in text
    learners = text.split("Learners of the course")[1]
    assert first.name in learners and second.name in learners
    assert platform.instructor.name not in learners


def test_names_sent_by_the_platform_are_shown_as_text_in_the_trainer_view(
        client: FlaskClient, platform: Platform) -> None:
    # Without the roster service, so that the name the launch sent is the one shown.
    open_launch(client, platform, platform.resource_link_launch(
        custom=foundations(), name="<img src=x onerror=alert(1)>", with_nrps=False))
    page = open_launch(client, platform, platform.resource_link_launch(
        role="instructor", custom=foundations(), with_nrps=False))
    assert "<img src=x" not in page.get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt;" in page.get_data(as_text=True)


def test_a_login_initiation_by_get_works_like_a_post(
        client: FlaskClient, platform: Platform) -> None:
    params = platform.login_initiation_params(platform.resource_link_launch(
        custom=foundations()), remove=["lti_storage_target"])
    answer = client.get("/lti/login", query_string=params)
    assert answer.status_code == 302
    fields = platform.complete_oidc(answer.headers["Location"])
    assert client.post("/lti/launch", data=fields).status_code == 303


def test_a_trainer_opening_a_link_nobody_used_yet_is_told_so(
        client: FlaskClient, platform: Platform) -> None:
    page = open_launch(client, platform, platform.resource_link_launch(role="instructor",
                                                                       custom=foundations()))
    assert "No learner has opened it yet." in text_of(page)


def test_a_link_naming_a_module_opens_just_that_module(
        client: FlaskClient, platform: Platform) -> None:
    page = text_of(open_launch(client, platform, platform.resource_link_launch(
        custom=foundations(module=GENDER_MODULE[0]))))
    assert GENDER_MODULE[1] in page
    assert f"From the package “{FOUNDATIONS_TITLE}”, version 2" in page
    assert "International Migration Law 50" not in page
    assert "Mobility Dimensions of Crises" not in page


@pytest.mark.parametrize("version", ["1", "2"])
def test_a_version_parameter_pins_the_version_the_link_shows(
        client: FlaskClient, platform: Platform, version: str) -> None:
    page = text_of(open_launch(client, platform, platform.resource_link_launch(
        custom=foundations(version=version))))
    assert f"Version {version} (this link keeps this version)" in page
    assert ("Certificate in Migration Governance" in page) is (version == "2")


def test_a_link_pinned_to_a_version_without_its_module_says_what_is_missing(
        client: FlaskClient, platform: Platform) -> None:
    answer = launch(client, platform, platform.resource_link_launch(
        custom=foundations(version="1", module=CERTIFICATE_MODULE)))
    page = client.get(answer.headers["Location"])
    assert page.status_code == 400
    assert f"Version 1 of this package has no module '{CERTIFICATE_MODULE}'" in text_of(page)


def test_a_link_to_a_package_that_does_not_exist_is_refused_with_its_name(
        client: FlaskClient, platform: Platform, session: Session) -> None:
    answer = launch(client, platform, platform.resource_link_launch(
        custom={"package": "no-such-package"}))
    assert answer.status_code == 400
    assert "The package 'no-such-package' named by this link is not published" in text_of(answer)
    assert session.scalar(select(ResourceLink.id)) is None


def test_a_new_link_without_a_package_parameter_is_recorded_unbound(
        client: FlaskClient, platform: Platform, session: Session) -> None:
    """Course-level placements (course navigation) name no package."""
    answer = launch(client, platform, platform.resource_link_launch(custom={}))
    assert answer.status_code == 303
    assert session.scalars(select(ResourceLink)).one().package_id is None


def test_the_launch_records_registration_context_link_user_and_roles(
        client: FlaskClient, platform: Platform, session: Session) -> None:
    message = platform.resource_link_launch(custom=foundations(module=GENDER_MODULE[0]))
    answer = launch(client, platform, message)
    assert answer.status_code == 303
    registration = session.scalars(select(Registration).where(
        Registration.client_id == platform.client_id)).one()
    launch_session = session.get(LaunchSession, launch_id_of(answer))
    assert launch_session is not None
    assert launch_session.registration_id == registration.id
    assert launch_session.deployment.deployment_id == platform.deployment_id
    assert launch_session.message_type == "LtiResourceLinkRequest"
    assert launch_session.roles == platform.roles_for("learner")
    assert launch_session.is_instructor is False
    assert launch_session.locale == "en" and launch_session.document_target == "iframe"
    assert launch_session.custom["package"] == FOUNDATIONS

    context = session.scalars(select(LmsContext)).one()
    assert (context.registration_id, context.context_id) == (registration.id,
                                                             platform.course.context_id)
    assert (context.label, context.title) == (platform.course.label, platform.course.title)
    assert context.memberships_url == platform.memberships_url()
    assert context.lineitems_url == platform.lineitems_url()

    link = session.scalars(select(ResourceLink)).one()
    package = session.scalars(select(Package).where(Package.slug == FOUNDATIONS)).one()
    assert link.resource_link_id == platform.default_resource_link_id
    assert (link.registration_id, link.context_id) == (registration.id, context.id)
    assert (link.package_id, link.module_slug, link.version_number) == (
        package.id, GENDER_MODULE[0], None)
    assert link.title == "GMG training module"

    learner = platform.learner
    user = session.scalars(select(LmsUser)).one()
    assert (user.registration_id, user.sub) == (registration.id, learner.sub)
    assert (user.name, user.given_name, user.family_name, user.email) == (
        learner.name, learner.given_name, learner.family_name, learner.email)
    assert user.last_launch_at is not None

    membership = session.scalars(select(Membership)).one()
    assert (membership.context_id, membership.user_id) == (context.id, user.id)
    assert membership.roles == platform.roles_for("learner")
    visit = session.scalars(select(ResourceLinkUser)).one()
    assert (visit.resource_link_id, visit.user_id, visit.launch_count) == (link.id, user.id, 1)
    assert visit.roles == platform.roles_for("learner") and visit.is_instructor is False


def test_launching_again_updates_the_same_rows(
        client: FlaskClient, platform: Platform, session: Session) -> None:
    for _ in range(2):
        open_launch(client, platform, platform.resource_link_launch(custom=foundations()))
    assert len(session.scalars(select(LmsUser)).all()) == 1
    assert len(session.scalars(select(ResourceLink)).all()) == 1
    assert len(session.scalars(select(LmsContext)).all()) == 1
    assert session.scalars(select(ResourceLinkUser)).one().launch_count == 2
    assert len(session.scalars(select(LaunchSession)).all()) == 2


def test_moodles_graded_activity_keeps_its_line_item_url(
        client: FlaskClient, session: Session, runner: FlaskCliRunner,
        moodle: MoodlePlatform) -> None:
    load_demo_curriculum(runner)
    register(session, moodle)
    open_launch(client, moodle, moodle.resource_link_launch(custom=foundations()))
    link = session.scalars(select(ResourceLink)).one()
    assert link.lineitem_url is not None
    assert link.lineitem_url.endswith(f"/lineitem?type_id={moodle.type_id}")


def test_the_same_sub_from_two_registrations_is_two_people(
        client: FlaskClient, session: Session, runner: FlaskCliRunner, simulator: Simulator,
        moodle: MoodlePlatform) -> None:
    load_demo_curriculum(runner)
    other = simulator.add_platform("moodle")
    try:
        for site in (moodle, other):
            register(session, site)
            open_launch(client, site, site.resource_link_launch(custom=foundations()))
        assert moodle.learner.sub == other.learner.sub
        users = session.scalars(select(LmsUser).order_by(LmsUser.id)).all()
        assert [user.sub for user in users] == [moodle.learner.sub] * 2
        assert users[0].registration_id != users[1].registration_id
        assert len(session.scalars(select(ResourceLink)).all()) == 2
    finally:
        simulator.remove_platform(other)
