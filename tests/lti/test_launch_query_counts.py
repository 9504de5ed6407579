"""A launch costs the same number of SQL statements however many users and links are stored."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from curriculum.db import utcnow
from lti.models import LmsContext, LmsUser, Membership, ResourceLink, ResourceLinkUser
from tests.helpers import QueryCounter
from tests.lti.simulator import Platform, User
from tests.lti.tool import (
    SMALL_PACKAGE,
    launch_fields,
    open_launch,
    publish_small_package,
    register,
)

CUSTOM = {"package": SMALL_PACKAGE}
LEARNER = ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"]


@pytest.fixture(params=["moodle", "canvas"])
def platform(request: pytest.FixtureRequest, session: Session) -> Platform:
    """A Moodle, then a Canvas, registered with the tool, and a package to link to."""
    publish_small_package(session)
    chosen: Platform = request.getfixturevalue(request.param)
    register(session, chosen)
    return chosen


def add_learners(session: Session, count: int, *, links: int = 1) -> None:
    """Store ``count`` more learners of the course, each having opened the placed link, and
    ``links`` more links of other courses."""
    link = session.scalars(select(ResourceLink)).one()
    context = session.scalars(select(LmsContext)).one()
    now = utcnow()
    for number in range(count):
        user = LmsUser(registration_id=link.registration_id, sub=f"stored-{number}",
                       name=f"Stored Learner {number}", last_launch_at=now)
        session.add(user)
        session.flush()
        session.add(Membership(context_id=context.id, user_id=user.id, roles=LEARNER))
        session.add(ResourceLinkUser(resource_link_id=link.id, user_id=user.id, roles=LEARNER,
                                     first_launch_at=now, last_launch_at=now, launch_count=3))
    for number in range(links):
        session.add(ResourceLink(registration_id=link.registration_id,
                                 deployment_id=link.deployment_id,
                                 resource_link_id=f"elsewhere-{number}",
                                 package_id=link.package_id))
    session.commit()


def statements_of_launch(client: FlaskClient, connection: Connection, platform: Platform,
                         user: User) -> int:
    """How many statements the launch POST of ``user`` runs (the login is not counted)."""
    fields = launch_fields(client, platform, platform.resource_link_launch(user=user,
                                                                           custom=CUSTOM))
    with QueryCounter(connection) as counter:
        answer = client.post("/lti/launch", data=fields)
    assert answer.status_code == 303
    return counter.count


def test_a_launch_runs_as_many_statements_with_fifty_users_stored_as_with_one(
        client: FlaskClient, session: Session, connection: Connection,
        platform: Platform) -> None:
    open_launch(client, platform, platform.resource_link_launch(custom=CUSTOM))
    first, second = platform.add_members(2, "learner")
    with_one = statements_of_launch(client, connection, platform, first)
    add_learners(session, 48, links=50)
    assert len(session.scalars(select(LmsUser)).all()) == 50
    with_fifty = statements_of_launch(client, connection, platform, second)
    assert with_fifty == with_one
    assert with_one <= 12, with_one  # state, registration, deployments, nonce, 5 upserts, ...


def test_a_returning_user_costs_no_more_statements_with_fifty_users_stored(
        client: FlaskClient, session: Session, connection: Connection,
        platform: Platform) -> None:
    open_launch(client, platform, platform.resource_link_launch(custom=CUSTOM))
    with_one = statements_of_launch(client, connection, platform, platform.learner)
    add_learners(session, 49)
    assert statements_of_launch(client, connection, platform, platform.learner) == with_one


def test_the_trainer_view_runs_as_many_statements_for_fifty_learners_as_for_one(
        client: FlaskClient, session: Session, connection: Connection,
        platform: Platform) -> None:
    open_launch(client, platform, platform.resource_link_launch(custom=CUSTOM))
    fields = launch_fields(client, platform, platform.resource_link_launch(
        role="instructor", custom=CUSTOM))
    location = client.post("/lti/launch", data=fields).headers["Location"]

    def statements_of_page() -> int:
        with QueryCounter(connection) as counter:
            page = client.get(location)
        assert page.status_code == 200
        return counter.count

    statements_of_page()  # the first view reads the course roster (NRPS) and keeps it
    with_one = statements_of_page()
    add_learners(session, 49)
    assert statements_of_page() == with_one
    assert "Stored Learner 48" in client.get(location).get_data(as_text=True)
