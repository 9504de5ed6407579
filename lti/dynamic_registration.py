"""LTI Dynamic Registration 1.0 (pylti1p3 2.0 has none): read the platform's OpenID
configuration, POST the tool's client registration, and store what the platform answered.

Both outside calls have a timeout and follow no redirect; answers are size-limited. Nothing
is stored until the platform has answered with a client id, and then everything (the
registration, its deployment, the used invitation) is stored in the caller's one transaction.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from sqlalchemy.orm import Session

from curriculum.errors import Conflict
from lti.invitations import RegistrationRefused, check_invitation, refused, use_invitation
from lti.models import Registration
from lti.registrations import HTTP_TIMEOUT, create_registration
from lti.tool_profile import (
    CANVAS_DEEP_LINKING_PLACEMENTS,
    CANVAS_RESOURCE_LINK_PLACEMENTS,
    CLAIMS,
    DEEP_LINKING_LABEL,
    GENERIC_DEEP_LINKING_PLACEMENTS,
    TOOL_DESCRIPTION,
    TOOL_ID,
    TOOL_NAME,
    TOOL_SCOPES,
    TRAINER_VIEW_LABEL,
    tool_domain,
)
from lti.urls import ToolUrls

PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
CANVAS = "https://canvas.instructure.com/lti/"
MAX_ANSWER_BYTES = 512 * 1024
MAX_URL_LENGTH = 2000
ENDPOINTS = ("authorization_endpoint", "token_endpoint", "jwks_uri", "registration_endpoint")
HINT_PLATFORM = ("Start the registration again from the platform; if it fails again, check "
                 "that this server can reach the platform.")


@dataclass(frozen=True)
class PlatformConfiguration:
    """What the tool needs from a platform's OpenID configuration."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    registration_endpoint: str
    product_family: str
    version: str | None
    account_name: str | None
    scopes_supported: tuple[str, ...] | None

    @property
    def is_canvas(self) -> bool:
        """Canvas names placements its own way and has privacy levels."""
        return self.product_family == "canvas"

    @property
    def is_moodle(self) -> bool:
        """Moodle keeps a registered tool pending until its administrator activates it."""
        return self.product_family == "moodle"


@dataclass(frozen=True)
class PlatformAnswer:
    """The platform's answer to the client registration."""

    client_id: str
    deployment_id: str | None
    granted_scopes: list[str] | None


def check_url(url: str | None, what: str) -> str:
    """An absolute http(s) URL without credentials, or a refusal naming ``what``."""
    parts = urlsplit(url or "")
    if (not url or len(url) > MAX_URL_LENGTH or parts.scheme not in ("http", "https")
            or not parts.hostname or parts.username or parts.password):
        raise refused("bad_platform_url", f"The {what} is not an http(s) URL: {url!r:.200}.",
                      HINT_PLATFORM)
    return url


def _read_json(response: requests.Response, what: str) -> Any:
    """The JSON body of an answer of at most ``MAX_ANSWER_BYTES``."""
    body = b""
    for chunk in response.iter_content(64 * 1024):
        body += chunk
        if len(body) > MAX_ANSWER_BYTES:
            raise refused("platform_answer_too_large", f"The {what} is larger than "
                          f"{MAX_ANSWER_BYTES // 1024} KiB.", HINT_PLATFORM)
    try:
        return json.loads(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise refused("platform_answer_not_json", f"The {what} is not JSON.",
                      HINT_PLATFORM) from error


def _call(method: str, url: str, what: str, registration_token: str,
          body: Mapping[str, Any] | None = None) -> requests.Response:
    headers = {"Accept": "application/json", "Authorization": f"Bearer {registration_token}"}
    try:
        return requests.request(method, url, json=body, headers=headers, stream=True,
                                timeout=HTTP_TIMEOUT, allow_redirects=False)
    except requests.Timeout as error:
        raise refused("platform_timeout", f"The platform did not answer in time at {url} "
                      f"({what}).", HINT_PLATFORM) from error
    except requests.RequestException as error:
        raise refused("platform_unreachable", f"The platform could not be reached at {url} "
                      f"({what}: {type(error).__name__}).", HINT_PLATFORM) from error


def fetch_platform_configuration(url: str, registration_token: str) -> PlatformConfiguration:
    """GET the platform's OpenID configuration (Dynamic Registration section 3.4) and check it."""
    check_url(url, "openid_configuration URL")
    if not registration_token:
        raise refused("missing_registration_token", "The platform sent no registration_token.",
                      HINT_PLATFORM)
    what = "the platform's OpenID configuration"
    with _call("GET", url, what, registration_token) as response:
        if response.status_code != 200:
            raise refused("configuration_unavailable", f"The platform's OpenID configuration "
                          f"at {url} answered {response.status_code}.", HINT_PLATFORM)
        document = _read_json(response, what)
    return parse_platform_configuration(document)


def parse_platform_configuration(document: Any) -> PlatformConfiguration:
    """The configuration's endpoints and product, or a refusal naming what is missing."""
    if not isinstance(document, dict):
        raise refused("bad_configuration", "The platform's OpenID configuration is not a JSON "
                      "object.", HINT_PLATFORM)
    missing = [name for name in ("issuer", *ENDPOINTS)
               if not isinstance(document.get(name), str) or not document[name]]
    lti = document.get(PLATFORM_CONFIGURATION)
    family = lti.get("product_family_code") if isinstance(lti, dict) else None
    if not isinstance(family, str) or not family.strip():
        missing.append(f"{PLATFORM_CONFIGURATION} product_family_code")
    if missing:
        raise refused("bad_configuration", "The platform's OpenID configuration lacks "
                      f"{', '.join(missing)}.", "The platform must support LTI Dynamic "
                      "Registration 1.0 (Moodle 4.x, Canvas).")
    assert isinstance(lti, dict) and isinstance(family, str)
    for name in ("issuer", *ENDPOINTS):
        check_url(document[name], f"platform's {name}")
    scopes = document.get("scopes_supported")
    account = lti.get(CANVAS + "account_name")
    version = lti.get("version")
    return PlatformConfiguration(
        issuer=document["issuer"].rstrip("/"),
        authorization_endpoint=document["authorization_endpoint"],
        token_endpoint=document["token_endpoint"], jwks_uri=document["jwks_uri"],
        registration_endpoint=document["registration_endpoint"],
        product_family=family.strip().lower()[:40],
        version=str(version)[:100] if version is not None else None,
        account_name=str(account)[:200] if account else None,
        scopes_supported=(tuple(s for s in scopes if isinstance(s, str))
                          if isinstance(scopes, list) else None))


def requested_scopes(platform: PlatformConfiguration) -> list[str]:
    """The tool's scopes, less those the platform says it does not support."""
    if platform.scopes_supported is None:
        return list(TOOL_SCOPES)
    return [scope for scope in TOOL_SCOPES if scope in platform.scopes_supported]


def tool_messages(urls: ToolUrls, platform: PlatformConfiguration) -> list[dict[str, Any]]:
    """Deep Linking (trainers add content) and resource links (the trainer view in Canvas)."""
    deep_linking: dict[str, Any] = {
        "type": "LtiDeepLinkingRequest", "target_link_uri": urls.deep_linking,
        "label": DEEP_LINKING_LABEL,
        "placements": list(CANVAS_DEEP_LINKING_PLACEMENTS if platform.is_canvas
                           else GENERIC_DEEP_LINKING_PLACEMENTS)}
    resource_link: dict[str, Any] = {
        "type": "LtiResourceLinkRequest", "target_link_uri": urls.launch,
        "label": TRAINER_VIEW_LABEL if platform.is_canvas else TOOL_NAME}
    if platform.is_canvas:
        resource_link["placements"] = list(CANVAS_RESOURCE_LINK_PLACEMENTS)
        resource_link[CANVAS + "visibility"] = "admins"
    return [deep_linking, resource_link]


def client_registration(urls: ToolUrls, platform: PlatformConfiguration,
                        logo_uri: str | None = None) -> dict[str, Any]:
    """The tool's client registration (Dynamic Registration section 3.5)."""
    configuration: dict[str, Any] = {
        "domain": tool_domain(urls.base), "target_link_uri": urls.launch,
        "description": TOOL_DESCRIPTION, "claims": list(CLAIMS),
        "messages": tool_messages(urls, platform)}
    if platform.is_canvas:
        configuration[CANVAS + "privacy_level"] = "public"
        configuration[CANVAS + "tool_id"] = TOOL_ID
    body: dict[str, Any] = {
        "application_type": "web", "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": urls.login, "redirect_uris": [urls.launch],
        "jwks_uri": urls.jwks, "token_endpoint_auth_method": "private_key_jwt",
        "client_name": TOOL_NAME, "scope": " ".join(requested_scopes(platform)),
        TOOL_CONFIGURATION: configuration}
    if logo_uri:
        body["logo_uri"] = logo_uri
    return body


def send_client_registration(platform: PlatformConfiguration, registration_token: str,
                             body: Mapping[str, Any]) -> PlatformAnswer:
    """POST the client registration with the platform's bearer token; read its answer."""
    what = "the platform's answer to the registration"
    with _call("POST", platform.registration_endpoint, "registration", registration_token,
               body) as response:
        if response.status_code not in (200, 201):
            raise refused("platform_refused_registration", "The platform refused the "
                          f"registration ({response.status_code}{_reason(response)}).",
                          "The registration token may have expired or been used: start the "
                          "registration again from the platform.")
        answer = _read_json(response, what)
    return parse_answer(answer)


def _reason(response: requests.Response) -> str:
    """The platform's own words for a refusal, briefly (``error_description``, ``error``)."""
    try:
        data = _read_json(response, "refusal")
    except RegistrationRefused:
        return ""
    if isinstance(data, dict):
        words = data.get("error_description") or data.get("error") or data.get("message")
        if isinstance(words, str) and words.strip():
            return ": " + " ".join(words.split())[:300]
    return ""


def parse_answer(answer: Any) -> PlatformAnswer:
    """The client id, deployment id and granted scopes of the platform's answer."""
    if not isinstance(answer, dict):
        raise refused("bad_registration_answer", "The platform's answer to the registration "
                      "is not a JSON object.", HINT_PLATFORM)
    client_id = answer.get("client_id")
    if isinstance(client_id, int) and not isinstance(client_id, bool):
        client_id = str(client_id)
    if not isinstance(client_id, str) or not client_id.strip() or len(client_id) > 255:
        raise refused("bad_registration_answer", "The platform's answer to the registration "
                      "has no client_id.", HINT_PLATFORM)
    configuration = answer.get(TOOL_CONFIGURATION)
    deployment_id = (configuration.get("deployment_id") if isinstance(configuration, dict)
                     else None) or answer.get("deployment_id")
    if isinstance(deployment_id, int) and not isinstance(deployment_id, bool):
        deployment_id = str(deployment_id)
    if not isinstance(deployment_id, str) or not deployment_id.strip():
        deployment_id = None
    elif len(deployment_id) > 255:
        raise refused("bad_registration_answer", "The platform's deployment id is longer than "
                      "255 characters.", HINT_PLATFORM)
    scope = answer.get("scope")
    granted = (scope.split() if isinstance(scope, str)
               else [s for s in scope if isinstance(s, str)] if isinstance(scope, list)
               else None)
    return PlatformAnswer(client_id=client_id.strip(), deployment_id=deployment_id,
                          granted_scopes=granted)


def registration_name(platform: PlatformConfiguration) -> str:
    """A name an administrator recognises: "Moodle at learn.example.org"."""
    product = {"moodle": "Moodle", "canvas": "Canvas"}.get(platform.product_family,
                                                           platform.product_family)
    where = platform.account_name or urlsplit(platform.issuer).netloc
    return f"{product} at {where}"[:300]


def store_registration(session: Session, invitation_token: str,
                       platform: PlatformConfiguration, answer: PlatformAnswer
                       ) -> Registration:
    """Store the registration and its deployment, and use the invitation up (flush only)."""
    invitation = check_invitation(session, invitation_token)
    data = {"name": registration_name(platform), "issuer": platform.issuer,
            "client_id": answer.client_id,
            "auth_login_url": platform.authorization_endpoint,
            "auth_token_url": platform.token_endpoint, "key_set_url": platform.jwks_uri,
            "product_family": platform.product_family,
            "granted_scopes": answer.granted_scopes,
            "deployment_ids": [answer.deployment_id] if answer.deployment_id else []}
    try:
        registration = create_registration(session, invitation.partner, data)
    except Conflict as error:
        raise refused("already_registered", error.message, "This platform is registered "
                      "already: remove the new tool from the platform, or ask the service's "
                      "administrator to look at the existing registration.", 409) from error
    use_invitation(session, invitation, registration)
    return registration

