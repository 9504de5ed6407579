"""Launches a tool must refuse: the 1EdTech certification list, the holes pylti1p3 2.0 leaves
open (replayed nonces, ``aud`` without ``azp``, a foreign ``azp``), and broken requests.

Every refusal is a 4xx page that says what failed in words an LMS administrator can act on,
is logged for the administrators, and records nothing about users, links or launches.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from curriculum.db import utcnow
from lti.launch import MAX_ID_TOKEN_LENGTH
from lti.models import LaunchFailure, OidcState, Registration
from lti.registrations import set_deployment_active
from tests.lti.simulator import (
    CanvasPlatform,
    Message,
    MoodlePlatform,
    Platform,
    Simulator,
    signing_key,
)
from tests.lti.tool import (
    SMALL_PACKAGE,
    TOOL,
    launch,
    launch_fields,
    login,
    publish_small_package,
    query_value,
    recorded,
    register,
    text_of,
)

CUSTOM = {"package": SMALL_PACKAGE}
#: Every LTI claim of a resource link launch: what is left is a bare OIDC id_token.
LTI_CLAIMS = ["message_type", "version", "deployment_id", "target_link_uri", "resource_link",
              "roles", "context", "tool_platform", "launch_presentation", "custom", "lis", "ext",
              "lti11_legacy_user_id", "lti1p1", "ags", "nrps", "basicoutcome", "placement"]


@pytest.fixture(params=["moodle", "canvas"])
def platform(request: pytest.FixtureRequest, session: Session) -> Platform:
    """A Moodle, then a Canvas, registered with the tool, and a package to link to."""
    publish_small_package(session)
    chosen: Platform = request.getfixturevalue(request.param)
    register(session, chosen)
    return chosen


@pytest.fixture
def registration(session: Session, platform: Platform) -> Registration:
    """The platform's registration in the tool."""
    return session.scalars(select(Registration).where(
        Registration.client_id == platform.client_id)).one()


@pytest.fixture
def other_moodle(simulator: Simulator) -> Iterator[MoodlePlatform]:
    """A second Moodle site (its own keys), not registered with the tool."""
    other = simulator.add_platform("moodle")
    yield other
    simulator.remove_platform(other)


def refused(answer: TestResponse, status: int, *phrases: str) -> str:
    """Check a refusal page (status, the words it must say); its text."""
    text = text_of(answer)
    assert answer.status_code == status, text
    assert "This launch could not be accepted" in text
    assert "For the LMS administrator" in text and f"(HTTP {status})" in text
    for phrase in phrases:
        assert phrase in text
    return text


def logged_reason(session: Session) -> str:
    """The reason of the newest failure in the administrators' log."""
    session.expire_all()
    failure = session.scalars(select(LaunchFailure).order_by(LaunchFailure.id.desc())).first()
    assert failure is not None
    return failure.reason


def refuse_launch(client: FlaskClient, session: Session, platform: Platform, message: Message,
                  status: int, *phrases: str) -> str:
    """Run a launch that must be refused and record nothing; its page's text. (The login
    names the tool's launch URL, as the platform's link settings do, whatever the token says.)
    """
    before = recorded(session)
    answer = launch(client, platform, message, target_link_uri=TOOL.launch)
    text = refused(answer, status, *phrases)
    assert recorded(session) == before
    assert f"Error code: {logged_reason(session)} " in text
    return text


def now() -> int:
    """The current Unix time."""
    return int(time.time())


Bend = Callable[[Platform], dict[str, Any]]

CERTIFICATION: list[Any] = [
    pytest.param(lambda p: {"header": {"kid": None}}, 401, "names no key (kid)", id="no kid"),
    pytest.param(lambda p: {"sign_with": signing_key("never-published", "canvas")}, 401,
                 "which the platform's key set at", id="unknown kid"),
    pytest.param(lambda p: {"version": "1.1.0"}, 400,
                 "The launch is LTI version '1.1.0'; this tool speaks 1.3.0",
                 id="wrong LTI version"),
    pytest.param(lambda p: {"remove": ["version"]}, 400, "The launch has no LTI version claim",
                 id="no LTI version"),
    pytest.param(lambda p: {"tamper": "not_jwt"}, 400, "The id_token is not a JSON Web Token",
                 id="not a JWT"),
    pytest.param(lambda p: {"tamper": "signature"}, 401,
                 "signature does not match the platform's key", id="bad signature"),
    pytest.param(lambda p: {"remove": LTI_CLAIMS}, 400, "The launch has no deployment_id",
                 id="missing LTI claims"),
    pytest.param(lambda p: {"iat": now() - 7200, "exp": now() - 3600}, 401,
                 "The launch token expired", id="expired"),
    pytest.param(lambda p: {"iat": now() + 3600, "exp": now() + 7200}, 401,
                 "issued in the future", id="iat in the future"),
    pytest.param(lambda p: {"remove": ["message_type"]}, 400, "The launch has no message type",
                 id="message_type missing"),
    pytest.param(lambda p: {"remove": ["roles"]}, 400, "The launch has no roles claim",
                 id="roles missing"),
    pytest.param(lambda p: {"remove": ["deployment_id"]}, 400, "The launch has no deployment_id",
                 id="deployment_id missing"),
    pytest.param(lambda p: {"remove": ["resource_link.id"]}, 400,
                 "names no resource link (resource_link.id)", id="resource_link.id missing"),
    pytest.param(lambda p: {"remove": ["sub"]}, 400, "does not say who the user is (sub)",
                 id="sub missing"),
]


@pytest.mark.parametrize(("bend", "status", "phrase"), CERTIFICATION)
def test_the_certification_list_of_bad_launches_is_refused(
        client: FlaskClient, session: Session, platform: Platform, bend: Bend, status: int,
        phrase: str) -> None:
    message = platform.resource_link_launch(custom=CUSTOM, **bend(platform))
    refuse_launch(client, session, platform, message, status, phrase)


def test_the_same_launch_unbent_is_accepted(
        client: FlaskClient, session: Session, platform: Platform) -> None:
    """The control of the list above: only the bent part makes those launches fail."""
    answer = launch(client, platform, platform.resource_link_launch(custom=CUSTOM))
    assert answer.status_code == 303
    assert recorded(session) == {"LmsUser": 1, "ResourceLink": 1, "LaunchSession": 1}


def test_an_unknown_kid_is_refused_after_fetching_the_key_set_once(
        client: FlaskClient, session: Session, platform: Platform) -> None:
    message = platform.resource_link_launch(custom=CUSTOM, sign_with=signing_key("stranger"))
    refuse_launch(client, session, platform, message, 401, "The platform may have rotated its keys")
    assert platform.jwks_fetches == 1


@pytest.mark.parametrize("alg", ["none", "HS256"])
def test_a_token_not_signed_with_rs256_is_refused(
        client: FlaskClient, session: Session, platform: Platform, alg: str) -> None:
    message = platform.resource_link_launch(custom=CUSTOM, alg=alg,
                                            header={"kid": platform.signing_key.kid})
    refuse_launch(client, session, platform, message, 401, "LTI 1.3 requires RS256")


def test_a_roles_claim_that_is_not_a_list_of_role_uris_is_refused(
        client: FlaskClient, session: Session, platform: Platform) -> None:
    roles: Any = [{"role": "Instructor"}, 7]
    message = platform.resource_link_launch(custom=CUSTOM, roles=roles)
    refuse_launch(client, session, platform, message, 400,
                  "The launch's roles claim is not a list of role URIs")


def test_a_message_type_the_tool_does_not_handle_is_refused(
        client: FlaskClient, session: Session, platform: Platform) -> None:
    message = platform.resource_link_launch(custom=CUSTOM,
                                            message_type="LtiSubmissionReviewRequest")
    refuse_launch(client, session, platform, message, 400,
                  "This tool does not handle 'LtiSubmissionReviewRequest' messages")


def test_a_deep_linking_request_without_resource_links_in_its_accept_types_is_refused(
        client: FlaskClient, session: Session, platform: Platform) -> None:
    settings = platform.deep_linking_settings(None, None) | {"accept_types": "ltiResourceLink"}
    message = platform.deep_linking_request(deep_linking_settings=settings)
    refuse_launch(client, session, platform, message, 400,
                  "This placement does not accept LTI resource links")


# Replays ----------------------------------------------------------------------------------


def test_a_launch_posted_twice_is_refused_the_second_time(
        client: FlaskClient, session: Session, platform: Platform) -> None:
    fields = launch_fields(client, platform, platform.resource_link_launch(custom=CUSTOM))
    assert client.post("/lti/launch", data=fields).status_code == 303
    before = recorded(session)
    refused(client.post("/lti/launch", data=fields), 403, "already used once",
            "a launch cannot be replayed")
    assert recorded(session) == before


def test_a_captured_id_token_replayed_with_a_new_login_is_refused(
        client: FlaskClient, session: Session, platform: Platform) -> None:
    captured = launch_fields(client, platform, platform.resource_link_launch(custom=CUSTOM))
    assert client.post("/lti/launch", data=captured).status_code == 303
    auth_url = login(client, platform, platform.resource_link_launch(custom=CUSTOM))
    before = recorded(session)
    answer = client.post("/lti/launch", data={"id_token": captured["id_token"],
                                              "state": query_value(auth_url, "state")})
    refused(answer, 403, "nonce is not the one this login sent to the platform")
    assert recorded(session) == before


def test_a_captured_id_token_never_used_is_refused_with_another_login(
        client: FlaskClient, session: Session, platform: Platform) -> None:
    captured = launch_fields(client, platform, platform.resource_link_launch(custom=CUSTOM))
    auth_url = login(client, platform, platform.resource_link_launch(custom=CUSTOM))
    answer = client.post("/lti/launch", data={"id_token": captured["id_token"],
                                              "state": query_value(auth_url, "state")})
    refused(answer, 403, "nonce")
    assert recorded(session)["LaunchSession"] == 0


# Audience and authorized party (pylti1p3 2.0 accepted the first two) ----------------------


def test_an_aud_list_without_azp_is_refused(
        client: FlaskClient, session: Session, platform: Platform) -> None:
    message = platform.resource_link_launch(custom=CUSTOM, aud=[platform.client_id, "another-tool"],
                                            remove=["azp"])
    refuse_launch(client, session, platform, message, 401,
                  "several audiences and no authorized party (azp)")


def test_an_azp_naming_another_tool_is_refused(
        client: FlaskClient, session: Session, platform: Platform) -> None:
    message = platform.resource_link_launch(custom=CUSTOM, aud=[platform.client_id, "another-tool"],
                                            azp="another-tool")
    refuse_launch(client, session, platform, message, 400,
                  f"no registration for issuer {platform.issuer} with client id another-tool")


def test_an_azp_that_is_not_among_the_audiences_is_refused(
        client: FlaskClient, session: Session, platform: Platform) -> None:
    message = platform.resource_link_launch(custom=CUSTOM, aud=platform.client_id,
                                            azp="another-tool")
    refuse_launch(client, session, platform, message, 401,
                  "authorized party (azp) is not one of its audiences")


def test_an_aud_without_our_client_id_is_refused(
        client: FlaskClient, session: Session, platform: Platform) -> None:
    message = platform.resource_link_launch(custom=CUSTOM, aud="another-tool", azp="another-tool")
    refuse_launch(client, session, platform, message, 400, "client id another-tool")


def test_a_token_meant_for_another_registered_client_of_the_same_issuer_is_refused(
        client: FlaskClient, session: Session, simulator: Simulator, canvas: CanvasPlatform,
        ) -> None:
    """Hosted Canvases share an issuer: the client id tells them apart."""
    publish_small_package(session)
    register(session, canvas)
    neighbour = simulator.add_platform("canvas")
    try:
        register(session, neighbour)
        auth_url = login(client, canvas, canvas.resource_link_launch(custom=CUSTOM))
        token = neighbour.resource_link_launch(custom=CUSTOM).sign(query_value(auth_url, "nonce"))
        answer = client.post("/lti/launch", data={"id_token": token,
                                                  "state": query_value(auth_url, "state")})
        refused(answer, 401, "names another platform than the login that started this launch")
        assert recorded(session)["LaunchSession"] == 0
    finally:
        simulator.remove_platform(neighbour)


def test_a_token_signed_by_another_platforms_key_is_refused(
        client: FlaskClient, session: Session, platform: Platform,
        other_moodle: MoodlePlatform) -> None:
    message = platform.resource_link_launch(custom=CUSTOM, sign_with=other_moodle)
    refuse_launch(client, session, platform, message, 401,
                  f"signed with the key '{other_moodle.signing_key.kid}'")


def test_a_token_with_a_published_kid_but_another_key_is_refused(
        client: FlaskClient, session: Session, platform: Platform,
        other_moodle: MoodlePlatform) -> None:
    message = platform.resource_link_launch(custom=CUSTOM, sign_with=other_moodle,
                                            header={"kid": platform.signing_key.kid})
    refuse_launch(client, session, platform, message, 401, "signature does not match")


# Registrations and deployments ------------------------------------------------------------


def test_a_launch_for_an_inactive_deployment_is_refused(
        client: FlaskClient, session: Session, platform: Platform,
        registration: Registration) -> None:
    set_deployment_active(session, registration, platform.deployment_id, False)
    session.commit()
    refuse_launch(client, session, platform, platform.resource_link_launch(custom=CUSTOM), 403,
                  f"The deployment {platform.deployment_id} of {platform.issuer} is switched off",
                  "Ask the tool's administrator to activate it")


def test_a_launch_for_an_unknown_deployment_id_is_refused(
        client: FlaskClient, session: Session, platform: Platform) -> None:
    message = platform.resource_link_launch(custom=CUSTOM, deployment_id="999")
    refuse_launch(client, session, platform, message, 403,
                  f"The deployment id 999 is not registered for issuer {platform.issuer}",
                  "Add this deployment id")


def test_a_login_for_an_inactive_registration_is_refused(
        client: FlaskClient, session: Session, platform: Platform,
        registration: Registration) -> None:
    registration.active = False
    session.commit()
    answer = client.post("/lti/login", data=platform.login_initiation_params(
        platform.resource_link_launch(custom=CUSTOM)))
    refused(answer, 403, f"The registration of {platform.issuer} is switched off")
    assert logged_reason(session) == "registration_inactive"


def test_a_login_from_an_unregistered_platform_is_refused(
        client: FlaskClient, session: Session, other_moodle: MoodlePlatform) -> None:
    answer = client.post("/lti/login", data=other_moodle.login_initiation_params())
    refused(answer, 400, f"no registration for issuer {other_moodle.issuer} with client id "
            f"{other_moodle.client_id}", "curriculum platform add")


def test_a_login_whose_target_link_uri_is_not_on_this_tool_is_refused(
        client: FlaskClient, session: Session, platform: Platform) -> None:
    params = platform.login_initiation_params(platform.resource_link_launch(custom=CUSTOM))
    answer = client.post("/lti/login", data={**params,
                                             "target_link_uri": "https://elsewhere.example/x"})
    refused(answer, 400, "The target_link_uri https://elsewhere.example/x is not on this tool",
            "Set the tool's launch URL in the platform to this tool's address")


def test_markup_in_a_refused_token_is_shown_as_text(
        client: FlaskClient, session: Session, platform: Platform) -> None:
    message = platform.resource_link_launch(custom=CUSTOM,
                                            header={"kid": "<script>alert(1)</script>"})
    answer = launch(client, platform, message)
    assert answer.status_code == 401
    assert "<script>alert(1)" not in answer.get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in answer.get_data(as_text=True)


# The browser and the state ----------------------------------------------------------------


def test_a_launch_posted_from_another_browser_is_refused(
        app: Flask, client: FlaskClient, session: Session, platform: Platform) -> None:
    """Without platform storage, the state cookie is the only proof (Canvas offers storage:
    see test_launch_state)."""
    fields = launch_fields(client, platform, platform.resource_link_launch(custom=CUSTOM),
                           remove=["lti_storage_target"])
    before = recorded(session)
    answer = app.test_client().post("/lti/launch", data=fields)
    refused(answer, 400, "This browser did not start this launch: the tool's state cookie is "
            "missing", "Open the tool in a new window")
    assert "ask your trainer to set it to open in a new window" in text_of(answer)
    assert recorded(session) == before


def test_a_launch_whose_login_expired_is_refused(
        client: FlaskClient, session: Session, platform: Platform) -> None:
    fields = launch_fields(client, platform, platform.resource_link_launch(custom=CUSTOM))
    session.execute(update(OidcState).values(expires_at=utcnow() - timedelta(seconds=1)))
    session.commit()
    refused(client.post("/lti/launch", data=fields), 400, "state expired")


def test_a_launch_with_a_state_the_tool_never_issued_is_refused(
        client: FlaskClient, platform: Platform) -> None:
    fields = launch_fields(client, platform, platform.resource_link_launch(custom=CUSTOM))
    answer = client.post("/lti/launch", data={**fields, "state": "made-up"})
    refused(answer, 400, "The launch's state is unknown")


def test_an_empty_post_is_refused(client: FlaskClient, session: Session) -> None:
    before = recorded(session)
    refused(client.post("/lti/launch"), 400, "The launch has no state",
            "The platform must POST id_token and state to the launch URL")
    assert recorded(session) == before


def test_a_post_without_an_id_token_is_refused(
        client: FlaskClient, platform: Platform) -> None:
    fields = launch_fields(client, platform, platform.resource_link_launch(custom=CUSTOM))
    answer = client.post("/lti/launch", data={"state": fields["state"]})
    refused(answer, 400, "The launch has no id_token")


@pytest.mark.parametrize("junk", [
    "{not json at all", "a.b.c", "eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2lnbmF0dXJl",
    "W10.W10.c2ln", "\x00\x01\x02", "é" * 300])
def test_junk_in_the_id_token_is_refused(
        client: FlaskClient, session: Session, platform: Platform, junk: str) -> None:
    fields = launch_fields(client, platform, platform.resource_link_launch(custom=CUSTOM))
    before = recorded(session)
    answer = client.post("/lti/launch", data={**fields, "id_token": junk})
    refused(answer, 400, "not a JSON Web Token")
    assert recorded(session) == before


def test_a_one_megabyte_id_token_is_refused(
        client: FlaskClient, session: Session, platform: Platform) -> None:
    message = platform.resource_link_launch(custom={**CUSTOM, "padding": "x" * 1_000_000})
    refuse_launch(client, session, platform, message, 400, "characters long",
                  f"at most {MAX_ID_TOKEN_LENGTH} are accepted",
                  "Reduce the custom parameters the platform sends")
