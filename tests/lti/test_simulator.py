"""The platform simulator plays Moodle 4.5 and Canvas faithfully: server, keys, messages.

The OIDC login is tested in ``test_simulator_oidc.py``; the services (token, failures, AGS,
NRPS) in ``test_simulator_services.py``; Dynamic Registration and Deep Linking responses in
``test_simulator_registration.py``.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from typing import Any

import jwt
import pytest
import requests

from tests.lti.simulator import (
    CANVAS_ISSUER,
    CanvasPlatform,
    MoodlePlatform,
    Platform,
    Simulator,
)
from tests.lti.simulator.claims import (
    AGS_CLAIM,
    BASIC_OUTCOME,
    CANVAS_PLACEMENT,
    DL_SETTINGS,
    LTI,
    NRPS_CLAIM,
    TEST_USER,
)
from tests.lti.simulator.jose import JoseError, unverified_header, verify_rs256
from tests.lti.simulator.keys import rsa_key


@pytest.fixture(params=["moodle", "canvas"])
def platform(request: pytest.FixtureRequest) -> Platform:
    """Each flavour in turn."""
    chosen: Platform = request.getfixturevalue(request.param)
    return chosen


def verify(platform: Platform, token: str, **options: Any) -> dict[str, Any]:
    """Verify ``token`` with PyJWT against the platform's JWKS fetched over HTTP."""
    key = jwt.PyJWKClient(platform.jwks_url).get_signing_key_from_jwt(token)
    claims: dict[str, Any] = jwt.decode(token, key.key, algorithms=["RS256"],
                                        audience=platform.client_id, **options)
    return claims


# Server and keys ---------------------------------------------------------------------------

def test_platforms_live_under_their_own_path_and_free_it(simulator: Simulator) -> None:
    first = simulator.add_platform("moodle", slug="site-a")
    second = simulator.add_platform("moodle", slug="site-b")
    assert first.issuer == f"{simulator.base_url}/site-a"
    assert second.jwks_url == f"{simulator.base_url}/site-b/mod/lti/certs.php"
    simulator.remove_platform(first)
    simulator.remove_platform(second)
    assert requests.get(first.jwks_url, timeout=5).status_code == 404


def test_platform_ids_are_shaped_like_the_real_ones(moodle: MoodlePlatform,
                                                     canvas: CanvasPlatform) -> None:
    assert moodle.issuer.endswith("/moodle")
    assert re.fullmatch(r"[A-Za-z0-9]{15}", moodle.client_id)
    assert moodle.deployment_id == "1"
    assert canvas.issuer == CANVAS_ISSUER
    assert re.fullmatch(r"1\d{13}", canvas.client_id)
    assert re.fullmatch(r"\d+:[0-9a-f]{40}", canvas.deployment_id)
    assert canvas.auth_url.endswith("/canvas/api/lti/authorize_redirect")
    assert canvas.token_url.endswith("/canvas/login/oauth2/token")


def test_jwks_is_served_with_the_signing_kid(platform: Platform) -> None:
    keys = requests.get(platform.jwks_url, timeout=5).json()["keys"]
    assert [key["kid"] for key in keys] == [platform.signing_key.kid]
    assert keys[0]["kty"] == "RSA" and keys[0]["alg"] == "RS256" and keys[0]["use"] == "sig"
    assert platform.jwks_fetches == 1


def test_kids_look_like_the_platforms_own(moodle: MoodlePlatform, canvas: CanvasPlatform) -> None:
    assert re.fullmatch(r"[0-9a-f]{20}", moodle.signing_key.kid)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", canvas.signing_key.kid)


def test_keys_are_generated_once_per_session(simulator: Simulator) -> None:
    first = simulator.add_platform("canvas", slug="reused")
    simulator.remove_platform(first)
    second = simulator.add_platform("canvas", slug="reused")
    simulator.remove_platform(second)
    assert second.signing_key == first.signing_key
    assert rsa_key("reused") is first.signing_key.private_key
    assert first.client_id != second.client_id


def test_a_launch_verifies_with_pyjwt_against_the_served_jwks(platform: Platform) -> None:
    claims = verify(platform, platform.resource_link_launch().id_token)
    assert claims["iss"] == platform.issuer
    assert claims[LTI + "message_type"] == "LtiResourceLinkRequest"


@pytest.mark.parametrize("keep_old", [True, False])
def test_rotating_keys_publishes_the_new_key(platform: Platform, keep_old: bool) -> None:
    old = platform.signing_key
    new = platform.rotate_keys(keep_old=keep_old)
    kids = [key["kid"] for key in requests.get(platform.jwks_url, timeout=5).json()["keys"]]
    assert kids == ([old.kid, new.kid] if keep_old else [new.kid])
    assert unverified_header(platform.resource_link_launch().id_token)["kid"] == new.kid


def test_canvas_can_publish_its_future_key_before_rotating(canvas: CanvasPlatform) -> None:
    future = canvas.publish_next_key()
    assert len(canvas.jwks()["keys"]) == 2
    assert canvas.rotate_keys() == future
    assert len(canvas.jwks()["keys"]) == 2


# Messages as each LMS sends them -----------------------------------------------------------

def test_moodle_launch_has_what_moodle_sends(moodle: MoodlePlatform) -> None:
    claims = verify(moodle, moodle.resource_link_launch(custom={"module": "m1"}).id_token)
    assert claims["exp"] - claims["iat"] == 60
    assert claims["aud"] == moodle.client_id and "azp" not in claims
    assert claims["sub"] == "4"
    assert claims[LTI + "roles"] == ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"]
    assert claims[LTI + "context"]["type"] == ["CourseSection"]
    assert claims[LTI + "ext"] == {"user_username": "student4", "lms": "moodle-2"}
    assert claims[LTI + "launch_presentation"]["document_target"] == "iframe"
    assert claims[LTI + "tool_platform"]["product_family_code"] == "moodle"
    assert claims[LTI + "custom"]["module"] == "m1"
    assert "context_memberships_url" in claims[LTI + "custom"]
    assert BASIC_OUTCOME in claims
    assert len(claims[AGS_CLAIM]["scope"]) == 4
    assert claims[AGS_CLAIM]["lineitem"].endswith("/lineitem?type_id=1")
    assert claims[AGS_CLAIM]["lineitems"].endswith("/lineitems?type_id=1")
    assert claims[NRPS_CLAIM]["service_versions"] == ["1.0", "2.0"]


def test_canvas_launch_has_what_canvas_sends(canvas: CanvasPlatform) -> None:
    claims = verify(canvas, canvas.resource_link_launch(custom={"count": 3}).id_token)
    assert claims["exp"] - claims["iat"] == 3600
    assert claims["azp"] == canvas.client_id
    uuid.UUID(claims["sub"])
    uuid.UUID(claims[LTI + "resource_link"]["id"])
    assert "http://purl.imsglobal.org/vocab/lis/v2/system/person#User" in claims[LTI + "roles"]
    assert claims[LTI + "context"]["type"] == [
        "http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"]
    assert claims[LTI + "custom"] == {"count": "3"}
    assert claims[CANVAS_PLACEMENT] is None
    assert re.fullmatch(r"[0-9a-f]{40}", claims[LTI + "lti11_legacy_user_id"])
    assert claims[LTI + "lis"]["person_sourcedid"] == "$Person.sourcedId"
    assert "lineitem" not in claims[AGS_CLAIM]
    assert claims[NRPS_CLAIM]["service_versions"] == ["2.0"]


def test_canvas_assignment_launch_names_its_line_item(canvas: CanvasPlatform) -> None:
    claims = canvas.resource_link_launch(lineitem=True).claims
    assert re.search(r"/api/lti/courses/3/line_items/\d+$", claims[AGS_CLAIM]["lineitem"])


def test_canvas_student_view_is_a_test_user(canvas: CanvasPlatform) -> None:
    assert TEST_USER in canvas.resource_link_launch(role="test_user").claims[LTI + "roles"]


def test_moodle_deep_linking_request(moodle: MoodlePlatform) -> None:
    claims = verify(moodle, moodle.deep_linking_request().id_token)
    settings = claims[DL_SETTINGS]
    assert claims[LTI + "message_type"] == "LtiDeepLinkingRequest"
    assert LTI + "resource_link" not in claims
    assert "lineitem" not in claims[AGS_CLAIM]
    assert settings["accept_multiple"] is True and settings["auto_create"] is False
    assert settings["accept_types"] == ["ltiResourceLink"]
    assert "data" not in settings and "accept_lineitem" not in settings


@pytest.mark.parametrize(("placement", "multiple", "auto_create"), [
    ("assignment_selection", False, False), ("link_selection", True, False),
    ("module_menu_modal", True, True)])
def test_canvas_deep_linking_settings_follow_the_placement(
        canvas: CanvasPlatform, placement: str, multiple: bool, auto_create: bool) -> None:
    claims = canvas.deep_linking_request(placement=placement).claims
    settings = claims[DL_SETTINGS]
    assert (settings["accept_multiple"], settings["auto_create"]) == (multiple, auto_create)
    assert not {"data", "title", "text"} & set(settings)
    assert claims[CANVAS_PLACEMENT] == placement


def refusal(platform: Platform, token: str) -> str | None:
    """Why a strict tool refuses ``token`` (``None``: it accepts it), per LTI.md's checklist."""
    try:
        if "kid" not in unverified_header(token):
            return "no kid"
        jwks = requests.get(platform.jwks_url, timeout=5).json()
        claims = verify_rs256(token, jwks, audience=platform.client_id, issuer=platform.issuer)
    except JoseError as error:
        return str(error)
    if claims.get(LTI + "version") != "1.3.0":
        return "wrong version"
    for name in ("message_type", "deployment_id", "roles", "target_link_uri"):
        if LTI + name not in claims:
            return f"{name} missing"
    if "id" not in claims.get(LTI + "resource_link", {}) or "sub" not in claims:
        return "resource_link.id or sub missing"
    if isinstance(claims["aud"], list) and claims.get("azp") != platform.client_id:
        return "aud list without our azp"
    return None


NOW = int(time.time())
BAD_LAUNCHES: dict[str, Callable[[Platform], dict[str, Any]]] = {
    "no kid": lambda p: {"header": {"kid": None}},
    "unknown kid": lambda p: {"header": {"kid": "never-published"}},
    "wrong LTI version": lambda p: {"version": "1.2.0"},
    "no LTI version": lambda p: {"remove": ["version"]},
    "not a JWT": lambda p: {"tamper": "not_jwt"},
    "bad signature": lambda p: {"tamper": "signature"},
    "alg none": lambda p: {"alg": "none"},
    "HS256 with the public key": lambda p: {"alg": "HS256"},
    "expired": lambda p: {"exp": NOW - 3600, "iat": NOW - 3700},
    "issued in the future": lambda p: {"iat": NOW + 3600, "exp": NOW + 7200},
    "message_type missing": lambda p: {"remove": ["message_type"]},
    "roles missing": lambda p: {"remove": ["roles"]},
    "deployment_id missing": lambda p: {"remove": ["deployment_id"]},
    "resource_link.id missing": lambda p: {"remove": ["resource_link.id"]},
    "sub missing": lambda p: {"remove": ["sub"]},
    "aud list without azp": lambda p: {"aud": [p.client_id, "other"], "remove": ["azp"]},
    "azp not our client": lambda p: {"aud": [p.client_id, "other"], "azp": "other"},
}


@pytest.mark.parametrize("case", BAD_LAUNCHES)
def test_every_conformance_bad_launch_can_be_built(platform: Platform, case: str) -> None:
    token = platform.resource_link_launch(**BAD_LAUNCHES[case](platform)).id_token
    assert refusal(platform, token) is not None


def test_a_launch_signed_with_another_platforms_key_fails_verification(
        moodle: MoodlePlatform, simulator: Simulator) -> None:
    other = simulator.add_platform("moodle")
    try:
        token = moodle.resource_link_launch(sign_with=other, header={"kid": moodle.signing_key.kid})
        with pytest.raises(jwt.InvalidSignatureError):
            verify(moodle, token.id_token)
    finally:
        simulator.remove_platform(other)


@pytest.mark.parametrize(("options", "check"), [
    ({"roles": ["Instructor"]}, lambda c: c[LTI + "roles"] == ["Instructor"]),
    ({"roles": ["http://example.org/role#Juggler"]}, lambda c: len(c[LTI + "roles"]) == 1),
    ({"roles": []}, lambda c: c[LTI + "roles"] == []),
    ({"personal_data": "email"}, lambda c: "email" in c and "name" not in c),
    ({"personal_data": "names"}, lambda c: "name" in c and "email" not in c),
    ({"personal_data": "none"}, lambda c: not {"name", "email", "given_name"} & set(c)),
    ({"personal_data": "email", "with_context": False},
     lambda c: LTI + "context" not in c and AGS_CLAIM not in c and "email" in c),
    ({"resource_link_id": "brand-new"}, lambda c: c[LTI + "resource_link"]["id"] == "brand-new"),
], ids=["short role", "unknown role", "no roles", "email only", "names only",
        "no personal data", "email without context", "new resource link"])
def test_good_launch_variants_verify(platform: Platform, options: dict[str, Any],
                                     check: Callable[[dict[str, Any]], bool]) -> None:
    token = platform.resource_link_launch(**options).id_token
    assert refusal(platform, token) is None
    assert check(verify(platform, token))


def test_several_roles_for_a_teaching_assistant(canvas: CanvasPlatform) -> None:
    roles = canvas.resource_link_launch(role="ta").claims[LTI + "roles"]
    assert "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor" in roles
    assert "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant" in roles

