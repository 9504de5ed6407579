"""LTI Dynamic Registration 1.0, platform side: the configuration and the registration POST."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from werkzeug.wrappers import Request, Response

from .claims import PLATFORM_CONFIGURATION, TOOL_CONFIGURATION
from .jose import JoseError
from .responses import json_error, json_response

if TYPE_CHECKING:
    from .platform import Platform


def openid_configuration(platform: Platform, *, product: dict[str, Any],
                         scopes: list[str], claims: list[str]) -> dict[str, Any]:
    """The platform's OpenID configuration with its ``lti-platform-configuration``."""
    return {
        "issuer": platform.issuer,
        "authorization_endpoint": platform.auth_url,
        "token_endpoint": platform.token_url,
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
        "jwks_uri": platform.jwks_url,
        "registration_endpoint": platform.registration_endpoint,
        "scopes_supported": ["openid", *scopes],
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["public", "pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "claims_supported": claims,
        PLATFORM_CONFIGURATION: product,
    }


def is_url(value: Any) -> bool:
    """Whether ``value`` is an absolute http(s) URL."""
    parts = urlsplit(value) if isinstance(value, str) else None
    return parts is not None and parts.scheme in ("http", "https") and bool(parts.netloc)


def in_domain(url: str, domain: str) -> bool:
    """Whether ``url``'s host (with or without its port) is ``domain`` or under it."""
    parts = urlsplit(url)
    hosts = {parts.netloc, parts.hostname or ""}
    return any(host == domain or host.endswith("." + domain) for host in hosts)


def tool_configuration_problems(config: Any) -> list[str]:
    """What is wrong with the ``lti-tool-configuration`` object."""
    if not isinstance(config, dict):
        return [f"{TOOL_CONFIGURATION} is missing"]
    problems = []
    domain = config.get("domain")
    if not isinstance(domain, str) or not domain:
        problems.append("domain is missing")
    if not is_url(config.get("target_link_uri")):
        problems.append("target_link_uri must be a URL")
    elif isinstance(domain, str) and domain and not in_domain(config["target_link_uri"], domain):
        problems.append("target_link_uri is not in the tool's domain")
    if not isinstance(config.get("claims"), list):
        problems.append("claims must be a list")
    messages = config.get("messages")
    if not isinstance(messages, list) or not any(
            isinstance(message, dict) and message.get("type") == "LtiDeepLinkingRequest"
            for message in messages):
        problems.append("messages must include LtiDeepLinkingRequest")
    return problems


def registration_problems(body: dict[str, Any]) -> list[str]:
    """What is wrong with a client registration body, per Dynamic Registration 1.0."""
    problems = []
    if body.get("application_type") != "web":
        problems.append("application_type must be web")
    if body.get("response_types") != ["id_token"]:
        problems.append('response_types must be ["id_token"]')
    grants = body.get("grant_types")
    if not isinstance(grants, list) or not {"implicit", "client_credentials"} <= set(grants):
        problems.append("grant_types must include implicit and client_credentials")
    for name in ("initiate_login_uri", "jwks_uri"):
        if not is_url(body.get(name)):
            problems.append(f"{name} must be a URL")
    uris = body.get("redirect_uris")
    if not isinstance(uris, list) or not uris or not all(is_url(uri) for uri in uris):
        problems.append("redirect_uris must be a list of URLs")
    if body.get("token_endpoint_auth_method") != "private_key_jwt":
        problems.append("token_endpoint_auth_method must be private_key_jwt")
    if not isinstance(body.get("scope"), str):
        problems.append("scope must be a space-separated string")
    if not isinstance(body.get("client_name"), str) or not body["client_name"]:
        problems.append("client_name is required")
    return problems + tool_configuration_problems(body.get(TOOL_CONFIGURATION))


def accept_registration(platform: Platform, body: dict[str, Any], token_id: str) -> dict[str, Any]:
    """Create the tool on the platform from a valid body; the answer with its ids."""
    client_id = platform.registration_client_id(token_id)
    deployment_id = platform.new_deployment_id()
    granted = [scope for scope in body["scope"].split() if scope in platform.registration_scopes]
    tool = body[TOOL_CONFIGURATION]
    platform.client_id, platform.deployment_id = client_id, deployment_id
    platform.granted_scopes = set(granted)
    platform.tool_jwks = None
    platform.configure_tool(jwks_url=body["jwks_uri"], login_url=body["initiate_login_uri"],
                            redirect_uris=body["redirect_uris"],
                            target_link_uri=tool["target_link_uri"])
    platform.registration_status = platform.status_after_registration
    answer = {**body, "client_id": client_id, "scope": " ".join(granted),
              TOOL_CONFIGURATION: {**tool, "deployment_id": deployment_id}}
    platform.registrations.append({"request": body, "response": answer})
    return answer


def serve_configuration(platform: Platform, request: Request, **values: Any) -> Response:
    """GET the OpenID configuration (a bearer registration token, if sent, must be valid)."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        try:
            platform.registration_token_id(header.removeprefix("Bearer ").strip())
        except JoseError as error:
            return json_error(401, f"invalid registration token: {error}")
    return json_response(platform.platform_configuration())


def serve_registration(platform: Platform, request: Request, **values: Any) -> Response:
    """POST a client registration with the bearer registration token."""
    token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    try:
        token_id = platform.registration_token_id(token)
    except JoseError as error:
        return json_error(401, f"invalid registration token: {error}")
    body = request.get_json(force=True, silent=True) if request.is_json else None
    if not isinstance(body, dict):
        return json_error(400, "the body must be a JSON object sent as application/json")
    with platform.lock:
        if token_id in platform.used_registration_tokens:
            return json_error(401, "registration token already used")
        problems = registration_problems(body)
        if problems:
            return Response(json.dumps({"error": "invalid_client_metadata",
                                        "error_description": "; ".join(problems)}),
                            status=400, mimetype="application/json")
        platform.used_registration_tokens.add(token_id)
        return json_response(accept_registration(platform, body, token_id))
