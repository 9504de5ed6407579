"""Launches a tool must accept (1EdTech certification list): any mix of roles, any amount of
personal data the platform's privacy settings let through, with or without a course, and
links it has never seen."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti.models import (
    LaunchSession,
    LmsContext,
    LmsUser,
    Membership,
    OidcState,
    ResourceLink,
)
from packages.models import Package
from tests.lti.simulator import CanvasPlatform, Platform
from tests.lti.tool import (
    SMALL_PACKAGE,
    launch,
    launch_fields,
    launch_id_of,
    open_launch,
    publish_small_package,
    register,
    text_of,
)

CUSTOM = {"package": SMALL_PACKAGE}
MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
INSTITUTION = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#"


@pytest.fixture(params=["moodle", "canvas"])
def platform(request: pytest.FixtureRequest, session: Session) -> Platform:
    """A Moodle, then a Canvas, registered with the tool, and a package to link to."""
    publish_small_package(session)
    chosen: Platform = request.getfixturevalue(request.param)
    register(session, chosen)
    return chosen


def the_user(session: Session) -> LmsUser:
    """The one user the launch recorded."""
    return session.scalars(select(LmsUser)).one()


def membership_of(session: Session, sub: str) -> Membership:
    """The course membership of the user ``sub``."""
    return session.scalars(select(Membership).join(LmsUser, LmsUser.id == Membership.user_id)
                           .where(LmsUser.sub == sub)).one()


def is_trainer_view(page: str) -> bool:
    """Whether a launched page is the trainer view."""
    return "Trainer view" in page and "Learners of the course" in page


def test_an_instructor_launch_is_accepted_as_a_trainer(
        client: FlaskClient, platform: Platform) -> None:
    page = text_of(open_launch(client, platform, platform.resource_link_launch(
        role="instructor", custom=CUSTOM)))
    assert is_trainer_view(page)


def test_a_learner_launch_is_accepted_as_a_learner(
        client: FlaskClient, platform: Platform) -> None:
    page = text_of(open_launch(client, platform, platform.resource_link_launch(custom=CUSTOM)))
    assert "Launch test package" in page and not is_trainer_view(page)


@pytest.mark.parametrize(("roles", "trainer"), [
    ([MEMBERSHIP + "Learner", MEMBERSHIP + "Mentor", INSTITUTION + "Student"], False),
    ([INSTITUTION + "Instructor", MEMBERSHIP + "Learner"], False),
    ([MEMBERSHIP + "Instructor", MEMBERSHIP + "Learner"], True),
    ([MEMBERSHIP + "Instructor#TeachingAssistant", MEMBERSHIP + "Learner"], True),
], ids=["learner and mentor", "institution instructor enrolled as learner",
        "instructor and learner", "teaching assistant"])
def test_a_launch_with_several_roles_is_accepted(
        client: FlaskClient, session: Session, platform: Platform, roles: list[str],
        trainer: bool) -> None:
    page = text_of(open_launch(client, platform, platform.resource_link_launch(
        roles=roles, custom=CUSTOM)))
    assert is_trainer_view(page) is trainer
    assert session.scalars(select(LaunchSession)).one().roles == roles
    if not trainer:  # a trainer's view reads the roster, which has the LMS's own roles
        assert membership_of(session, platform.learner.sub).roles == roles


def test_an_observer_mentor_gets_the_learner_page_not_the_list_of_learners(
        client: FlaskClient, platform: Platform) -> None:
    """Canvas sends ``membership#Mentor`` for observers: parents watching one student."""
    open_launch(client, platform, platform.resource_link_launch(custom=CUSTOM))
    page = text_of(open_launch(client, platform, platform.resource_link_launch(
        role="mentor", roles=[MEMBERSHIP + "Mentor"], custom=CUSTOM)))
    assert not is_trainer_view(page)
    assert platform.learner.name not in page


def test_short_role_names_are_accepted(client: FlaskClient, session: Session,
                                       platform: Platform) -> None:
    page = text_of(open_launch(client, platform, platform.resource_link_launch(
        roles=["Instructor"], custom=CUSTOM)))
    assert is_trainer_view(page)
    assert session.scalars(select(LaunchSession)).one().roles == ["Instructor"]


def test_unknown_roles_are_accepted_as_a_learner(
        client: FlaskClient, session: Session, platform: Platform) -> None:
    roles = ["http://example.org/vocab/roles#Auditor", "Astronaut"]
    page = text_of(open_launch(client, platform, platform.resource_link_launch(
        roles=roles, custom=CUSTOM)))
    assert not is_trainer_view(page)
    assert session.scalars(select(Membership)).one().roles == roles


def test_no_roles_at_all_are_accepted_as_a_learner(
        client: FlaskClient, session: Session, platform: Platform) -> None:
    page = text_of(open_launch(client, platform, platform.resource_link_launch(
        roles=[], custom=CUSTOM)))
    assert not is_trainer_view(page)
    assert session.scalars(select(Membership)).one().roles == []


def test_a_launch_with_the_email_only_is_accepted(
        client: FlaskClient, session: Session, platform: Platform) -> None:
    open_launch(client, platform, platform.resource_link_launch(personal_data="email",
                                                                custom=CUSTOM))
    user = the_user(session)
    assert user.email == platform.learner.email
    assert (user.name, user.given_name, user.family_name) == (None, None, None)
    assert user.display_name == platform.learner.email


def test_a_launch_with_names_only_is_accepted(
        client: FlaskClient, session: Session, platform: Platform) -> None:
    open_launch(client, platform, platform.resource_link_launch(personal_data="names",
                                                                custom=CUSTOM))
    user = the_user(session)
    assert (user.name, user.given_name, user.family_name) == (
        platform.learner.name, platform.learner.given_name, platform.learner.family_name)
    assert user.email is None


def test_a_launch_without_personal_data_is_accepted_and_shown_by_its_id(
        client: FlaskClient, session: Session, platform: Platform) -> None:
    platform.personal_data = "none"  # its roster too
    open_launch(client, platform, platform.resource_link_launch(personal_data="none",
                                                                custom=CUSTOM))
    user = the_user(session)
    assert user.sub == platform.learner.sub
    assert (user.name, user.given_name, user.family_name, user.email) == (None,) * 4
    page = text_of(open_launch(client, platform, platform.resource_link_launch(
        role="instructor", personal_data="none", custom=CUSTOM)))
    assert f"User {platform.learner.sub}" in page


def test_names_kept_from_an_earlier_launch_are_not_erased_by_a_more_private_one(
        client: FlaskClient, session: Session, platform: Platform) -> None:
    open_launch(client, platform, platform.resource_link_launch(custom=CUSTOM))
    open_launch(client, platform, platform.resource_link_launch(personal_data="none",
                                                                custom=CUSTOM))
    assert the_user(session).name == platform.learner.name


def test_a_launch_with_an_email_and_no_context_is_accepted(
        client: FlaskClient, session: Session, platform: Platform) -> None:
    page = text_of(open_launch(client, platform, platform.resource_link_launch(
        personal_data="email", with_context=False, custom=CUSTOM)))
    assert "Launch test package" in page
    assert the_user(session).email == platform.learner.email
    assert session.scalar(select(LmsContext.id)) is None
    assert session.scalar(select(Membership.id)) is None
    assert session.scalars(select(ResourceLink)).one().context_id is None


def test_a_resource_link_never_seen_before_is_bound_on_first_launch_from_its_custom_params(
        client: FlaskClient, session: Session, platform: Platform) -> None:
    answer = launch(client, platform, platform.resource_link_launch(
        resource_link_id="brand-new-link-42", resource_link_title="Week 1",
        custom={**CUSTOM, "module": "launch-test-module-two"}))
    assert answer.status_code == 303
    link = session.scalars(select(ResourceLink)).one()
    package = session.scalars(select(Package).where(Package.slug == SMALL_PACKAGE)).one()
    assert (link.resource_link_id, link.title) == ("brand-new-link-42", "Week 1")
    assert (link.package_id, link.module_slug) == (package.id, "launch-test-module-two")
    page = client.get(answer.headers["Location"])
    assert "Launch test module two" in text_of(page)
    assert "Launch test module one" not in text_of(page)


def test_a_bound_link_launched_again_without_custom_params_keeps_its_content(
        client: FlaskClient, session: Session, platform: Platform) -> None:
    open_launch(client, platform, platform.resource_link_launch(custom=CUSTOM))
    page = text_of(open_launch(client, platform, platform.resource_link_launch(custom={})))
    assert "Launch test package" in page


def test_a_token_that_expires_centuries_from_now_is_accepted_once(
        client: FlaskClient, session: Session, platform: Platform) -> None:
    fields = launch_fields(client, platform, platform.resource_link_launch(
        custom=CUSTOM, exp=10**12 * 1000))
    assert client.post("/lti/launch", data=fields).status_code == 303
    assert client.post("/lti/launch", data=fields).status_code == 403
    used = session.scalars(select(OidcState)).one()
    assert used.used_at is not None


def test_a_launch_from_another_deployment_of_the_same_registration_is_accepted(
        client: FlaskClient, session: Session, canvas: CanvasPlatform) -> None:
    """One Canvas developer key is often deployed in several accounts or courses."""
    publish_small_package(session)
    register(session, canvas, deployment_ids=[canvas.deployment_id, "8:" + "a" * 40])
    answer = launch(client, canvas, canvas.resource_link_launch(
        custom=CUSTOM, deployment_id="8:" + "a" * 40))
    assert answer.status_code == 303
    launch_session = session.get(LaunchSession, launch_id_of(answer))
    assert launch_session is not None
    assert launch_session.deployment.deployment_id == "8:" + "a" * 40


def test_every_launch_gets_its_own_launch_session(
        client: FlaskClient, platform: Platform) -> None:
    first = launch(client, platform, platform.resource_link_launch(custom=CUSTOM))
    second = launch(client, platform, platform.resource_link_launch(custom=CUSTOM))
    assert launch_id_of(first) != launch_id_of(second)
