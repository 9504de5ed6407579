"""Access tokens for AGS and NRPS: asked with a signed assertion, kept until shortly before
they expire, asked again when forgotten, and refusals reported with the platform's answer."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from lti.outbox import LINEITEM_SCOPE, SCORE_SCOPE
from lti.service_tokens import TokenRefused, access_token, forget_token
from tests.lti.simulator import CanvasPlatform, MoodlePlatform
from tests.lti.simulator.failures import Failure
from tests.lti.tool import register

SCORES = [SCORE_SCOPE]


def test_a_token_is_asked_once_and_reused_while_it_is_fresh(
        session: Session, moodle: MoodlePlatform) -> None:
    registration = register(session, moodle)
    first = access_token(session, registration, SCORES)
    assert access_token(session, registration, SCORES) == first
    assert moodle.token_requests == 1


def test_each_set_of_scopes_has_its_own_token(session: Session, canvas: CanvasPlatform) -> None:
    registration = register(session, canvas)
    scores = access_token(session, registration, SCORES)
    both = access_token(session, registration, [LINEITEM_SCOPE, SCORE_SCOPE])
    assert scores != both
    assert access_token(session, registration, [SCORE_SCOPE, LINEITEM_SCOPE]) == both
    assert canvas.token_requests == 2


def test_a_forgotten_token_is_asked_again(session: Session, moodle: MoodlePlatform) -> None:
    registration = register(session, moodle)
    first = access_token(session, registration, SCORES)
    forget_token(registration.id)
    assert access_token(session, registration, SCORES) != first
    assert moodle.token_requests == 2


def test_a_token_that_expires_at_once_is_not_reused(
        session: Session, moodle: MoodlePlatform) -> None:
    moodle.token_lifetime = 0
    registration = register(session, moodle)
    access_token(session, registration, SCORES)
    access_token(session, registration, SCORES)
    assert moodle.token_requests == 2


def test_a_refused_assertion_is_reported_with_the_platforms_answer(
        session: Session, moodle: MoodlePlatform) -> None:
    registration = register(session, moodle)
    moodle.fail_next("token", Failure.error(401, {"error": "invalid_client",
                                                   "error_description": "unknown key"}))
    with pytest.raises(TokenRefused) as refused:
        access_token(session, registration, SCORES)
    assert refused.value.status == 401
    assert "answered 401" in str(refused.value) and "unknown key" in str(refused.value)
    assert access_token(session, registration, SCORES)  # nothing refused is cached


def test_a_platform_without_a_token_url_is_refused_with_a_hint(
        session: Session, moodle: MoodlePlatform) -> None:
    registration = register(session, moodle)
    registration.auth_token_url = None
    with pytest.raises(TokenRefused, match="register the platform's access token URL"):
        access_token(session, registration, SCORES)


def test_an_unreachable_token_endpoint_is_refused_not_waited_for(
        session: Session, moodle: MoodlePlatform) -> None:
    registration = register(session, moodle)
    moodle.fail_next("token", Failure.drop())
    with pytest.raises(TokenRefused, match="could not be reached") as refused:
        access_token(session, registration, SCORES)
    assert refused.value.status is None
