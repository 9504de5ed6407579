"""The simulator's Dynamic Registration and Deep Linking return work like the LMSs' own."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from tests.lti.simulator import DeepLinkingError, Platform, signing_key
from tests.lti.simulator.claims import (
    DL_CONTENT_ITEMS,
    LTI,
    PLATFORM_CONFIGURATION,
    SCOPE_SCORE,
    TOOL_CONFIGURATION,
)
from tests.lti.simulator.jose import encode
from tests.lti.simulator.stand_in import StandInTool

ITEM = {"type": "ltiResourceLink", "title": "Module 1", "url": "https://tool.test/lti/launch",
        "custom": {"module": "m1"}, "lineItem": {"scoreMaximum": 10, "label": "Module 1"}}


@pytest.fixture(params=["moodle", "canvas"])
def platform(request: pytest.FixtureRequest, stand_in_tool: StandInTool) -> Platform:
    """Each flavour in turn, knowing the stand-in tool."""
    chosen: Platform = request.getfixturevalue(request.param)
    stand_in_tool.configure(chosen)
    return chosen


def start_registration(platform: Platform) -> tuple[str, str]:
    """The ``openid_configuration`` URL and ``registration_token`` the tool is opened with."""
    url = platform.registration_launch_url("https://tool.test/lti/register?lang=en")
    query = dict(parse_qsl(urlsplit(url).query))
    assert query["lang"] == "en"
    return query["openid_configuration"], query["registration_token"]


def register(platform: Platform, token: str, body: dict[str, Any]) -> requests.Response:
    """POST a client registration with ``token`` as bearer."""
    return requests.post(platform.registration_endpoint, json=body, timeout=5,
                         headers={"Authorization": f"Bearer {token}"})


# Dynamic Registration ---------------------------------------------------------------------

def test_openid_configuration_describes_the_platform(platform: Platform) -> None:
    config_url, token = start_registration(platform)
    config = requests.get(config_url, headers={"Authorization": f"Bearer {token}"},
                          timeout=5).json()
    assert config["issuer"] == platform.issuer
    assert config["token_endpoint"] == platform.token_url
    assert config["registration_endpoint"] == platform.registration_endpoint
    assert config["id_token_signing_alg_values_supported"] == ["RS256"]
    assert config["token_endpoint_auth_methods_supported"] == ["private_key_jwt"]
    product = config[PLATFORM_CONFIGURATION]
    assert product["product_family_code"] == platform.flavour
    assert {"type": "LtiDeepLinkingRequest"}.items() <= product["messages_supported"][1].items()


def test_moodle_registration_token_is_a_jwt_signed_by_the_site(platform: Platform) -> None:
    _, token = start_registration(platform)
    assert token.count(".") == 2


def test_dynamic_registration_round_trip(platform: Platform,
                                         stand_in_tool: StandInTool) -> None:
    _, token = start_registration(platform)
    old_client = platform.client_id
    answer = register(platform, token, stand_in_tool.registration_body())
    body = answer.json()
    assert answer.status_code == 200
    assert body["client_id"] == platform.client_id != old_client
    assert body[TOOL_CONFIGURATION]["deployment_id"] == platform.deployment_id
    assert body["scope"] == SCOPE_SCORE
    assert platform.tool_login_url == stand_in_tool.login_url
    assert platform.tool_redirect_uris == [stand_in_tool.redirect_uri]
    expected = "pending" if platform.flavour == "moodle" else "active"
    assert platform.registration_status == expected


def test_admins_can_switch_scopes_off(platform: Platform, stand_in_tool: StandInTool) -> None:
    platform.registration_scopes = set()
    _, token = start_registration(platform)
    assert register(platform, token, stand_in_tool.registration_body()).json()["scope"] == ""


@pytest.mark.parametrize("token", ["reused", "forged", "none"])
def test_registration_needs_a_fresh_valid_token(platform: Platform, stand_in_tool: StandInTool,
                                                token: str) -> None:
    _, valid = start_registration(platform)
    if token == "reused":
        register(platform, valid, stand_in_tool.registration_body())
    bearer = {"reused": valid, "forged": encode({"sub": "x", "scope": "reg",
                                                 "exp": time.time() + 60},
                                                signing_key("forger")), "none": ""}[token]
    assert register(platform, bearer, stand_in_tool.registration_body()).status_code == 401


@pytest.mark.parametrize("change", [
    {"application_type": "native"}, {"response_types": ["code"]},
    {"grant_types": ["implicit"]}, {"redirect_uris": []},
    {"token_endpoint_auth_method": "client_secret_basic"}, {"client_name": None},
    {TOOL_CONFIGURATION: {"domain": "tool.test", "target_link_uri": "https://tool.test/l",
                          "claims": [], "messages": [{"type": "LtiResourceLinkRequest"}]}},
    {TOOL_CONFIGURATION: {"domain": "other.test", "target_link_uri": "https://tool.test/l",
                          "claims": [], "messages": [{"type": "LtiDeepLinkingRequest"}]}}],
    ids=["application_type", "response_types", "grant_types", "redirect_uris",
         "auth method", "client_name", "no deep linking", "target outside the domain"])
def test_an_invalid_registration_is_refused_and_spares_the_token(
        platform: Platform, stand_in_tool: StandInTool, change: dict[str, Any]) -> None:
    _, token = start_registration(platform)
    refused = register(platform, token, stand_in_tool.registration_body(**change))
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_client_metadata"
    assert register(platform, token, stand_in_tool.registration_body()).status_code == 200


# Deep Linking responses -------------------------------------------------------------------

def test_a_deep_linking_response_gives_its_items(platform: Platform,
                                                 stand_in_tool: StandInTool) -> None:
    token = stand_in_tool.deep_linking_response(platform, [ITEM])
    result = platform.verify_deep_linking_response(token, stand_in_tool.jwks_url)
    assert result.content_items == [ITEM]


@pytest.mark.parametrize("claims", [
    {"aud": "https://elsewhere.test"}, {"iss": "another-client"},
    {LTI + "message_type": "LtiResourceLinkRequest"}, {LTI + "version": "1.1"},
    {LTI + "deployment_id": "99"}, {"nonce": ""}, {"exp": 1000}],
    ids=["aud", "iss", "message_type", "version", "deployment_id", "nonce", "expired"])
def test_a_bad_deep_linking_response_is_refused(platform: Platform, stand_in_tool: StandInTool,
                                                claims: dict[str, Any]) -> None:
    token = stand_in_tool.deep_linking_response(platform, [ITEM], **claims)
    with pytest.raises(DeepLinkingError):
        platform.verify_deep_linking_response(token, stand_in_tool.jwks_url)


def test_canvas_refuses_a_replayed_deep_linking_nonce(platform: Platform,
                                                      stand_in_tool: StandInTool) -> None:
    token = stand_in_tool.deep_linking_response(platform, [ITEM], nonce="once")
    platform.verify_deep_linking_response(token, stand_in_tool.jwks_url)
    if platform.flavour == "canvas":
        with pytest.raises(DeepLinkingError, match="already used"):
            platform.verify_deep_linking_response(token, stand_in_tool.jwks_url)
    else:
        platform.verify_deep_linking_response(token, stand_in_tool.jwks_url)


def test_the_return_url_takes_the_posted_response(platform: Platform,
                                                  stand_in_tool: StandInTool) -> None:
    settings = platform.deep_linking_request().claims[
        "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"]
    token = stand_in_tool.deep_linking_response(platform, [ITEM, {**ITEM, "title": "Two"}])
    answer = requests.post(settings["deep_link_return_url"], data={"JWT": token}, timeout=5)
    assert answer.status_code == 200
    assert [item["title"] for item in platform.deep_link_responses[0].content_items] == [
        "Module 1", "Two"]
    assert DL_CONTENT_ITEMS in platform.deep_link_responses[0].claims
    garbage = requests.post(settings["deep_link_return_url"], data={"JWT": "x.y.z"}, timeout=5)
    assert garbage.status_code == 400 and platform.deep_link_errors
