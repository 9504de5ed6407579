"""The platforms' key sets at launch: fetched once and cached, refetched once when a platform
rotates its keys, never fetched in a flood, and a clear refusal (not a hang) when the key set
cannot be had."""

from __future__ import annotations

import socket
import time
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from curriculum.db import utcnow
from lti.models import Registration
from lti.registrations import HTTP_TIMEOUT, KEY_SET_MAX_AGE
from tests.lti.simulator import CanvasPlatform, Failure, Platform, signing_key
from tests.lti.tool import (
    SMALL_PACKAGE,
    launch,
    publish_small_package,
    recorded,
    register,
    text_of,
)

CUSTOM = {"package": SMALL_PACKAGE}


@pytest.fixture
def package(session: Session) -> str:
    """A package to link to."""
    return publish_small_package(session)


@pytest.fixture(params=["moodle", "canvas"])
def platform(request: pytest.FixtureRequest, session: Session, package: str) -> Platform:
    """A Moodle, then a Canvas, registered with the tool."""
    chosen: Platform = request.getfixturevalue(request.param)
    register(session, chosen)
    return chosen


def age_key_set(session: Session, platform: Platform, age: timedelta) -> None:
    """Pretend the cached key set of ``platform`` was fetched ``age`` ago."""
    session.execute(update(Registration).where(Registration.client_id == platform.client_id)
                    .values(key_set_fetched_at=utcnow() - age))
    session.commit()


def launches(client: FlaskClient, platform: Platform, **bend: Any) -> int:
    """The status of one launch."""
    return launch(client, platform, platform.resource_link_launch(custom=CUSTOM, **bend)
                  ).status_code


def closed_port_url() -> str:
    """A loopback URL nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/jwks"


def test_the_key_set_is_fetched_once_and_then_cached(
        client: FlaskClient, session: Session, platform: Platform) -> None:
    assert [launches(client, platform) for _ in range(3)] == [303] * 3
    assert platform.jwks_fetches == 1
    registration = session.scalars(select(Registration).where(
        Registration.client_id == platform.client_id)).one()
    assert registration.cached_key_set == platform.jwks()


def test_after_a_key_rotation_the_new_kid_is_fetched_once_then_cached(
        client: FlaskClient, session: Session, platform: Platform) -> None:
    assert launches(client, platform) == 303
    age_key_set(session, platform, timedelta(minutes=1))
    new_key = platform.rotate_keys()
    assert launches(client, platform) == 303
    assert platform.jwks_fetches == 2
    assert launches(client, platform) == 303
    assert platform.jwks_fetches == 2
    assert platform.signing_key == new_key


def test_a_rotation_to_a_key_canvas_published_ahead_needs_no_fetch(
        client: FlaskClient, session: Session, canvas: CanvasPlatform, package: str) -> None:
    register(session, canvas)
    canvas.publish_next_key()
    assert launches(client, canvas) == 303
    canvas.rotate_keys()
    assert launches(client, canvas) == 303
    assert canvas.jwks_fetches == 1


def test_a_key_set_older_than_its_maximum_age_is_fetched_again(
        client: FlaskClient, session: Session, platform: Platform) -> None:
    assert launches(client, platform) == 303
    age_key_set(session, platform, KEY_SET_MAX_AGE + timedelta(minutes=1))
    assert launches(client, platform) == 303
    assert platform.jwks_fetches == 2


def test_an_unknown_kid_refetches_the_key_set_once_then_is_refused(
        client: FlaskClient, session: Session, platform: Platform) -> None:
    assert launches(client, platform) == 303
    age_key_set(session, platform, timedelta(minutes=1))
    before = recorded(session)
    answer = launch(client, platform, platform.resource_link_launch(
        custom=CUSTOM, sign_with=signing_key("unpublished")))
    assert answer.status_code == 401
    assert "does not contain" in text_of(answer)
    assert platform.jwks_fetches == 2
    assert recorded(session) == before


def test_a_flood_of_unknown_kids_fetches_the_key_set_once(
        client: FlaskClient, session: Session, platform: Platform) -> None:
    """The key set fetched for a refused launch is kept: the next unknown kid, moments later,
    does not fetch it again, and a good launch uses it."""
    statuses = [launches(client, platform, sign_with=signing_key(f"forged-{n}"))
                for n in range(4)]
    assert statuses == [401] * 4
    assert platform.jwks_fetches == 1
    assert launches(client, platform) == 303
    assert platform.jwks_fetches == 1


@pytest.mark.parametrize("failure", [Failure.drop(), Failure.server_error(),
                                     Failure.error(200, "<html>maintenance</html>")],
                         ids=["dropped", "server error", "not JSON"])
def test_a_key_set_that_fails_refuses_the_launch_clearly_and_the_next_launch_retries(
        client: FlaskClient, session: Session, platform: Platform, failure: Failure) -> None:
    platform.fail_next("jwks", failure)
    before = recorded(session)
    started = time.monotonic()
    answer = launch(client, platform, platform.resource_link_launch(custom=CUSTOM))
    assert time.monotonic() - started < 3
    assert answer.status_code == 401
    text = text_of(answer)
    assert platform.jwks_url in text
    assert ("could not be fetched" in text or "answered 500" in text or "is not JSON" in text)
    assert "this server can reach it" in text
    assert recorded(session) == before
    assert launches(client, platform) == 303
    assert platform.jwks_fetches == 2


def test_an_unreachable_key_set_url_refuses_the_launch_at_once(
        client: FlaskClient, session: Session, platform: Platform) -> None:
    session.execute(update(Registration).where(Registration.client_id == platform.client_id)
                    .values(key_set_url=closed_port_url()))
    session.commit()
    before = recorded(session)
    started = time.monotonic()
    answer = launch(client, platform, platform.resource_link_launch(custom=CUSTOM))
    assert time.monotonic() - started < 3
    assert answer.status_code == 401
    assert "The platform's key could not be fetched from http://127.0.0.1:" in text_of(answer)
    assert "ConnectionError" in text_of(answer)
    assert recorded(session) == before


def test_a_key_set_slower_than_the_timeout_refuses_the_launch_instead_of_hanging(
        client: FlaskClient, session: Session, moodle: Platform, package: str) -> None:
    register(session, moodle)
    read_timeout = HTTP_TIMEOUT[1]
    moodle.fail_next("jwks", Failure.slow(read_timeout + 2))
    before = recorded(session)
    started = time.monotonic()
    answer = launch(client, moodle, moodle.resource_link_launch(custom=CUSTOM))
    assert time.monotonic() - started < read_timeout + 1.5
    assert answer.status_code == 401
    assert "could not be fetched" in text_of(answer) and "Timeout" in text_of(answer)
    assert recorded(session) == before
