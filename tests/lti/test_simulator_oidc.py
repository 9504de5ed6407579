"""The simulator runs the OIDC third-party login as Moodle 4.5 and Canvas do."""

from __future__ import annotations

import json
import re
from typing import Any

import jwt
import pytest
import requests

from tests.lti.simulator import (
    CANVAS_ISSUER,
    CanvasPlatform,
    MoodlePlatform,
    OidcError,
    Platform,
    parse_auto_form,
)
from tests.lti.simulator.stand_in import StandInTool


@pytest.fixture(params=["moodle", "canvas"])
def platform(request: pytest.FixtureRequest) -> Platform:
    """Each flavour in turn."""
    chosen: Platform = request.getfixturevalue(request.param)
    return chosen


def verify(platform: Platform, token: str) -> dict[str, Any]:
    """Verify ``token`` with PyJWT against the platform's JWKS fetched over HTTP."""
    key = jwt.PyJWKClient(platform.jwks_url).get_signing_key_from_jwt(token)
    claims: dict[str, Any] = jwt.decode(token, key.key, algorithms=["RS256"],
                                        audience=platform.client_id)
    return claims


def test_moodle_login_initiation(moodle: MoodlePlatform) -> None:
    params = moodle.login_initiation_params("https://tool.test/lti/launch")
    assert set(params) == {"iss", "target_link_uri", "login_hint", "client_id",
                           "lti_deployment_id", "lti_message_hint"}
    assert params["login_hint"] == "4"
    assert json.loads(params["lti_message_hint"])["cmid"] == 2


def test_canvas_login_initiation(canvas: CanvasPlatform) -> None:
    params = canvas.login_initiation_params(canvas.resource_link_launch(), canvas_region="eu")
    assert params["iss"] == CANVAS_ISSUER
    assert params["lti_storage_target"] == "post_message_forwarding"
    assert params["canvas_environment"] == "prod" and params["canvas_region"] == "eu"
    assert params["lti_message_hint"].count(".") == 2
    assert re.fullmatch(r"[0-9a-f]{40}", params["login_hint"])


def test_complete_oidc_puts_the_tools_nonce_in_the_id_token(
        platform: Platform, stand_in_tool: StandInTool) -> None:
    stand_in_tool.configure(platform)
    login = platform.login_initiation_params(platform.resource_link_launch(role="instructor"))
    fields = platform.complete_oidc(stand_in_tool.auth_request(platform, login, nonce="n-1"))
    assert fields["state"] == "tool-state"
    assert verify(platform, fields["id_token"])["nonce"] == "n-1"


@pytest.mark.parametrize("overrides", [
    {"client_id": "someone-else"}, {"redirect_uri": "https://evil.test/launch"},
    {"prompt": "login"}, {"response_mode": "query"}, {"nonce": ""}, {"login_hint": "99"},
    {"lti_message_hint": "made-up"}])
def test_oidc_refuses_a_bad_authorization_request(
        platform: Platform, stand_in_tool: StandInTool, overrides: dict[str, str]) -> None:
    stand_in_tool.configure(platform)
    login = platform.login_initiation_params()
    request = stand_in_tool.auth_request(platform, login, **overrides)
    with pytest.raises(OidcError):
        platform.complete_oidc(request)
    answer = requests.get(platform.auth_url, params=request, timeout=5)
    assert answer.status_code == 400


def test_the_message_hint_is_single_use(moodle: MoodlePlatform,
                                        stand_in_tool: StandInTool) -> None:
    stand_in_tool.configure(moodle)
    request = stand_in_tool.auth_request(moodle, moodle.login_initiation_params())
    moodle.complete_oidc(request)
    with pytest.raises(OidcError, match="already used"):
        moodle.complete_oidc(request)


def test_auth_endpoint_answers_an_auto_submitting_form(
        canvas: CanvasPlatform, stand_in_tool: StandInTool) -> None:
    stand_in_tool.configure(canvas)
    request = stand_in_tool.auth_request(canvas, canvas.login_initiation_params())
    answer = requests.get(canvas.auth_url, params=request, timeout=5)
    form = parse_auto_form(answer.text)
    assert form.action == stand_in_tool.redirect_uri
    assert set(form.fields) == {"id_token", "state"}
    assert verify(canvas, form.fields["id_token"])["nonce"] == "tool-nonce"


def test_launch_page_posts_the_login_initiation_to_the_tool(
        moodle: MoodlePlatform, stand_in_tool: StandInTool) -> None:
    stand_in_tool.configure(moodle)
    page = requests.get(moodle.launch_page_url(), timeout=5)
    form = parse_auto_form(page.text)
    assert form.action == stand_in_tool.login_url
    assert form.fields["iss"] == moodle.issuer
