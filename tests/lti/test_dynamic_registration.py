"""Dynamic Registration against the simulated Moodle 4.5 and Canvas, over real HTTP: the
invitation, the platform's configuration, the registration POST, the closing page, and every
way it can fail without storing anything."""

from __future__ import annotations

import socket
import time
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import jwt
import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from curriculum.db import utcnow
from lti import dynamic_registration
from lti.models import Deployment, Registration
from lti.tool_profile import AGS_SCOPES, NRPS_SCOPE
from tests.lti.admin_fixtures import (
    count,
    invitation_of,
    make_invitation,
    make_partner,
    make_registration,
)
from tests.lti.simulator import CanvasPlatform, Failure, MoodlePlatform, Platform
from tests.lti.simulator.claims import TOOL_CONFIGURATION
from tests.lti.simulator.forms import parse_auto_form

ALL_SCOPES = {*AGS_SCOPES, NRPS_SCOPE}
TOOL = "http://localhost"


@pytest.fixture
def partner(session: Session) -> Any:
    """The partner the invitation is for."""
    return make_partner(session, "Royal Thai Police Training Centre", country="TH")


@pytest.fixture
def invitation(session: Session, partner: Any) -> Any:
    """An open invitation for the partner."""
    return make_invitation(session, partner)


def open_from(platform: Platform, client: FlaskClient, invitation_url: str) -> TestResponse:
    """The platform opens the registration URL with its configuration and token."""
    return client.get(platform.registration_launch_url(invitation_url))


def confirm(client: FlaskClient, page: TestResponse) -> TestResponse:
    """Press "Register" on the confirmation page."""
    form = parse_auto_form(page.get_data(as_text=True))
    return client.post(form.action, data=form.fields)


def register(platform: Platform, client: FlaskClient, invitation_url: str) -> TestResponse:
    """The whole flow as the administrator goes through it."""
    page = open_from(platform, client, invitation_url)
    assert page.status_code == 200, page.get_data(as_text=True)
    return confirm(client, page)


def registration_params(platform: Platform, invitation_url: str) -> dict[str, str]:
    """The three fields the confirmation form posts, without asking the tool for the form."""
    return dict(parse_qsl(urlsplit(platform.registration_launch_url(invitation_url)).query))


def stored_registration(session: Session) -> Registration:
    """The one registration there is."""
    session.expire_all()
    return session.scalars(select(Registration)).one()


def text_of(response: TestResponse) -> str:
    """The page, with its whitespace folded (templates wrap lines)."""
    return " ".join(response.get_data(as_text=True).split())


# Success ------------------------------------------------------------------------------


def test_moodle_registers_the_tool_with_nothing_copied_by_hand(
        client, session, runner, moodle: MoodlePlatform, invitation, partner):
    page = open_from(moodle, client, invitation.url)
    assert page.status_code == 200
    assert "Royal Thai Police Training Centre" in text_of(page)
    assert count(session, Registration) == 0  # the GET only asked to confirm

    done = confirm(client, page)

    assert done.status_code == 200, done.get_data(as_text=True)
    html = text_of(done)
    assert "org.imsglobal.lti.close" in html and "window.opener || window.parent" in html
    assert "pending" in html and ("Site administration &gt; Plugins &gt; Activity modules &gt; "
                                  "External tool &gt; Manage tools") in html
    registration = stored_registration(session)
    assert registration.partner.slug == partner.slug
    assert registration.issuer == moodle.issuer
    assert registration.client_id == moodle.client_id
    assert registration.auth_login_url == moodle.auth_url
    assert registration.auth_token_url == moodle.token_url
    assert registration.key_set_url == moodle.jwks_url
    assert registration.product_family == "moodle"
    assert set(registration.granted_scopes or []) == ALL_SCOPES
    assert [(d.deployment_id, d.active) for d in registration.deployments] == [
        (moodle.deployment_id, True)]
    used = invitation_of(session, invitation)
    assert used.used_at is not None and used.registration_id == registration.id
    # The platform now knows where the tool is, and keeps it pending.
    assert moodle.tool_login_url == f"{TOOL}/lti/login"
    assert moodle.tool_redirect_uris == [f"{TOOL}/lti/launch"]
    assert moodle.tool_jwks_url == f"{TOOL}/lti/jwks.json"
    assert moodle.registration_status == "pending"

    listed = runner.invoke(args=["platform", "list"])
    assert listed.exit_code == 0, listed.output
    assert moodle.issuer in listed.output and moodle.client_id in listed.output
    assert f"{moodle.deployment_id} (active)" in listed.output


def test_the_registration_asks_for_what_the_tool_needs(client, moodle, invitation):
    register(moodle, client, invitation.url)

    body = moodle.registrations[-1]["request"]
    assert body["application_type"] == "web"
    assert body["response_types"] == ["id_token"]
    assert set(body["grant_types"]) == {"implicit", "client_credentials"}
    assert body["initiate_login_uri"] == f"{TOOL}/lti/login"
    assert body["redirect_uris"] == [f"{TOOL}/lti/launch"]
    assert body["jwks_uri"] == f"{TOOL}/lti/jwks.json"
    assert body["token_endpoint_auth_method"] == "private_key_jwt"
    assert set(body["scope"].split()) == ALL_SCOPES
    tool = body[TOOL_CONFIGURATION]
    assert tool["domain"] == "localhost"
    assert tool["target_link_uri"] == f"{TOOL}/lti/launch"
    assert {"iss", "sub", "name", "given_name", "family_name", "email", "locale"} <= set(
        tool["claims"])
    types = {message["type"]: message for message in tool["messages"]}
    assert types["LtiDeepLinkingRequest"]["target_link_uri"] == f"{TOOL}/lti/launch"
    assert types["LtiDeepLinkingRequest"]["label"]
    assert "LtiResourceLinkRequest" in types
    sent = moodle.requests[-1]
    assert sent.headers["Authorization"].startswith("Bearer ")


def test_canvas_registers_with_its_placements_and_privacy_level(
        client, session, canvas: CanvasPlatform, invitation):
    done = register(canvas, client, invitation.url)

    assert done.status_code == 200, done.get_data(as_text=True)
    assert "org.imsglobal.lti.close" in text_of(done)
    assert "pending" not in text_of(done)
    registration = stored_registration(session)
    assert registration.issuer == "https://canvas.instructure.com"
    assert registration.client_id == canvas.client_id
    assert registration.deployments[0].deployment_id == canvas.deployment_id
    assert registration.product_family == "canvas"
    assert registration.name == "Canvas at GMG"
    tool = canvas.registrations[-1]["request"][TOOL_CONFIGURATION]
    assert tool["https://canvas.instructure.com/lti/privacy_level"] == "public"
    placements = {m["type"]: m.get("placements") for m in tool["messages"]}
    assert placements["LtiDeepLinkingRequest"] == ["link_selection", "assignment_selection"]
    assert placements["LtiResourceLinkRequest"] == ["course_navigation"]


def test_scopes_a_canvas_admin_switches_off_are_not_taken_as_granted(
        client, session, canvas: CanvasPlatform, invitation):
    score = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
    canvas.registration_scopes = {score}

    done = register(canvas, client, invitation.url)

    assert done.status_code == 200
    assert stored_registration(session).granted_scopes == [score]
    assert "did not grant" in text_of(done) and "contextmembership.readonly" in text_of(done)


def test_a_registered_canvas_launches_deep_linking_in_the_tool(
        client, session, canvas: CanvasPlatform, invitation):
    register(canvas, client, invitation.url)
    canvas.activate_tool()
    message = canvas.deep_linking_request(placement="link_selection")

    # Without platform storage: the test client keeps the state cookie like a browser would.
    login = client.post("/lti/login", data=canvas.login_initiation_params(
        message, remove=["lti_storage_target"]))
    assert login.status_code == 302, login.get_data(as_text=True)
    launch = client.post("/lti/launch", data=canvas.complete_oidc(login.headers["Location"]))

    assert launch.status_code == 303, launch.get_data(as_text=True)
    assert "/deep-linking" in launch.headers["Location"]


def test_the_invitation_page_explains_where_to_paste_it_and_uses_nothing(
        client, session, invitation):
    page = client.get(invitation.url)

    assert page.status_code == 200
    html = text_of(page)
    assert "Tool URL" in html and "Canvas" in html and "Royal Thai Police" in html
    assert invitation_of(session, invitation).used_at is None
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"


# Refusals ------------------------------------------------------------------------------


def test_a_used_invitation_is_refused_and_reaches_no_platform(
        client, session, simulator, moodle, invitation):
    register(moodle, client, invitation.url)
    other = simulator.add_platform("moodle")
    try:
        page = open_from(other, client, invitation.url)
        posted = client.post("/lti/register", data=registration_params(other, invitation.url))

        for answer in (page, posted):
            assert answer.status_code == 403
            assert "already used" in text_of(answer)
        assert other.hits["registration"] == 0 and other.hits["openid_configuration"] == 0
        assert count(session, Registration) == 1
    finally:
        simulator.remove_platform(other)


def test_an_expired_invitation_is_refused_and_stores_nothing(client, session, moodle,
                                                             invitation):
    page = open_from(moodle, client, invitation.url)
    stored = invitation_of(session, invitation)
    stored.expires_at = utcnow() - timedelta(minutes=1)
    session.commit()

    posted = confirm(client, page)

    assert posted.status_code == 403
    assert "expired" in text_of(posted)
    assert moodle.hits["registration"] == 0
    assert count(session, Registration) == 0 and count(session, Deployment) == 0


@pytest.mark.parametrize(("query", "status", "words"), [
    ("", 400, "has no invitation"),
    ("?invitation=reg_not-a-real-one", 403, "not valid"),
    ("?invitation=" + "x" * 5000, 403, "not valid"),
])
def test_a_missing_or_unknown_invitation_is_refused(client, query, status, words):
    answer = client.get(f"/lti/register{query}")

    assert answer.status_code == status
    assert words in text_of(answer) and "Nothing was stored" in text_of(answer)


def test_an_unreachable_configuration_is_refused_quickly(client, session, invitation):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = (f"{invitation.url}&openid_configuration=http://127.0.0.1:{port}/config"
           "&registration_token=t")
    started = time.monotonic()

    answer = client.get(url)

    assert time.monotonic() - started < 3
    assert answer.status_code == 400
    assert "could not be reached" in text_of(answer)
    assert invitation_of(session, invitation).used_at is None


def test_a_platform_that_does_not_answer_is_given_up_on(client, session, moodle, invitation,
                                                        monkeypatch):
    monkeypatch.setattr(dynamic_registration, "HTTP_TIMEOUT", (0.5, 0.5))
    moodle.fail_next("openid_configuration", Failure.slow(3))
    started = time.monotonic()

    answer = open_from(moodle, client, invitation.url)

    assert time.monotonic() - started < 2.5
    assert answer.status_code == 400
    assert "did not answer in time" in text_of(answer)


@pytest.mark.parametrize(("failure", "words"), [
    (Failure.error(404, "Not found"), "answered 404"),
    (Failure.error(302, "", {"Location": "http://127.0.0.1:9/elsewhere"}), "answered 302"),
    (Failure.error(200, "<html>Moodle</html>"), "is not JSON"),
    (Failure.error(200, {"issuer": "https://learn.example.org"}),
     "lacks authorization_endpoint, token_endpoint, jwks_uri, registration_endpoint"),
    (Failure.error(200, {"issuer": "https://l.example.org", "authorization_endpoint": "x",
                         "token_endpoint": "x", "jwks_uri": "x", "registration_endpoint": "x",
                         "https://purl.imsglobal.org/spec/lti-platform-configuration": {
                             "product_family_code": "moodle"}}), "is not an http(s) URL"),
])
def test_a_bad_configuration_is_refused_with_what_is_wrong(client, session, moodle, invitation,
                                                           failure, words):
    moodle.fail_next("openid_configuration", failure)

    answer = open_from(moodle, client, invitation.url)

    assert answer.status_code == 400
    assert words in text_of(answer)
    assert count(session, Registration) == 0


def test_a_platform_refusing_the_registration_stores_nothing(client, session, moodle,
                                                             invitation):
    page = open_from(moodle, client, invitation.url)
    moodle.fail_next("registration", Failure.error(
        401, {"error": "invalid_token", "error_description": "registration token expired"}))

    answer = confirm(client, page)

    assert answer.status_code == 400
    assert "refused the registration (401: registration token expired)" in text_of(answer)
    assert count(session, Registration) == 0 and count(session, Deployment) == 0
    assert invitation_of(session, invitation).used_at is None
    # The invitation still works: the administrator starts again from Moodle.
    assert register(moodle, client, invitation.url).status_code == 200
    assert count(session, Registration) == 1


def test_an_answer_without_client_id_stores_nothing(client, session, moodle, invitation):
    page = open_from(moodle, client, invitation.url)
    moodle.fail_next("registration", Failure.error(200, {"scope": ""}))

    answer = confirm(client, page)

    assert answer.status_code == 400 and "has no client_id" in text_of(answer)
    assert count(session, Registration) == 0


def test_a_platform_registered_already_is_refused_and_the_invitation_kept(
        client, session, moodle, invitation, partner):
    params = registration_params(moodle, invitation.url)
    client_id = jwt.decode(params["registration_token"], options={"verify_signature": False}
                           )["sub"]  # Moodle's client id is the token's subject
    make_registration(session, partner, issuer=moodle.issuer, client_id=client_id)

    answer = client.post("/lti/register", data=params)

    assert answer.status_code == 409
    assert "registered already" in text_of(answer)
    assert count(session, Registration) == 1 and count(session, Deployment) == 1
    assert invitation_of(session, invitation).used_at is None


def test_the_registration_token_is_required(client, moodle, invitation):
    params = registration_params(moodle, invitation.url)
    params["registration_token"] = ""

    answer = client.post("/lti/register", data=params)

    assert answer.status_code == 400 and "no registration_token" in text_of(answer)
    assert moodle.hits["registration"] == 0


def test_a_refusal_answers_json_to_a_client_that_asks_for_it(client):
    answer = client.get("/lti/register?invitation=nope", headers={"Accept": "application/json"})

    assert answer.status_code == 403
    assert answer.get_json()["error"]["code"] == "lti_unknown_invitation"


def test_an_invitation_made_with_another_lifetime_expires_then(session, partner):
    issued = make_invitation(session, partner, expires_in=timedelta(days=2))
    lifetime = issued.invitation.expires_at - issued.invitation.created_at
    assert lifetime == timedelta(days=2)
    assert issued.url.startswith(f"{TOOL}/lti/register?invitation=reg_")
    assert issued.invitation.token_hash not in issued.url
