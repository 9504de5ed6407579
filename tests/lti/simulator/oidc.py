"""The OIDC third-party login, platform side: login initiation, authorization, the JWKS."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from werkzeug.wrappers import Request, Response

from .forms import auto_submit_response, error_page
from .messages import FormPost, Message, PendingLogin
from .model import User

if TYPE_CHECKING:
    from .platform import Platform

#: What the tool's authorization request must say, per the LTI Security Framework.
FIXED_AUTH_PARAMS = {"scope": "openid", "response_type": "id_token",
                     "response_mode": "form_post", "prompt": "none"}


class OidcError(Exception):
    """An authorization request the platform refuses."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description


def start_login(platform: Platform, target: Message | str | None, user: User | None,
                remove: Iterable[str], overrides: Mapping[str, str]) -> dict[str, str]:
    """Login initiation parameters for ``target``, the launch kept until the tool asks for it."""
    if isinstance(target, Message):
        message = target
    else:
        message = platform.resource_link_launch(user=user, target_link_uri=target)
    hint = platform.new_message_hint(message)
    params = {**platform.login_params(message, hint), **overrides}
    for name in remove:
        params.pop(name, None)
    with platform.lock:
        platform.pending_logins[hint] = PendingLogin(message, message.login_hint, dict(params))
    return params


def authorize(platform: Platform, auth_request: str | Mapping[str, str]) -> FormPost:
    """The form the platform POSTs back for a valid authorization request; else ``OidcError``."""
    if isinstance(auth_request, str):
        params = dict(parse_qsl(urlsplit(auth_request).query, keep_blank_values=True))
    else:
        params = dict(auth_request)
    if params.get("client_id") != platform.client_id:
        raise OidcError("unauthorized_client", f"unknown client_id {params.get('client_id')!r}")
    redirect_uri = params.get("redirect_uri", "")
    if redirect_uri not in platform.tool_redirect_uris:
        raise OidcError("invalid_request", f"redirect_uri {redirect_uri!r} is not registered")
    for name, expected in FIXED_AUTH_PARAMS.items():
        if params.get(name) != expected:
            raise OidcError("invalid_request", f"{name} must be {expected!r}")
    for name in ("nonce", "login_hint", "lti_message_hint"):
        if not params.get(name):
            raise OidcError("invalid_request", f"{name} is missing")
    pending = _take_pending(platform, params["lti_message_hint"], params["login_hint"])
    fields = pending.message.form(params.get("state", ""), params["nonce"])
    if "state" not in params:
        fields.pop("state")
    return FormPost(action=redirect_uri, fields=fields)


def _take_pending(platform: Platform, hint: str, login_hint: str) -> PendingLogin:
    """The login ``hint`` names, used up; ``OidcError`` if unknown, used or for someone else."""
    with platform.lock:
        pending = platform.pending_logins.get(hint)
        if pending is None:
            raise OidcError("invalid_request", "unknown lti_message_hint")
        if pending.used:
            raise OidcError("invalid_request", "lti_message_hint already used")
        if pending.login_hint != login_hint:
            raise OidcError("login_required", "login_hint is not the user who launched")
        pending.used = True
        return pending


def launch_page_url(platform: Platform, target: Message | str | None, user: User | None) -> str:
    """A page URL on the simulator that starts the launch in a browser."""
    params = start_login(platform, target, user, (), {})
    key = secrets.token_hex(8)
    with platform.lock:
        platform.launch_pages[key] = params
    return platform.url("launch_page", id=key)


def serve_jwks(platform: Platform, request: Request, **values: Any) -> Response:
    """GET the platform's key set."""
    return Response(json.dumps(platform.jwks()), mimetype="application/json")


def serve_auth(platform: Platform, request: Request, **values: Any) -> Response:
    """GET or POST the OIDC authorization endpoint: an auto-submitting form, or a 400 page."""
    try:
        post = authorize(platform, request.values.to_dict())
    except OidcError as error:
        return error_page(400, error.error, error.description)
    return auto_submit_response(post, "Launching")


def serve_launch_page(platform: Platform, request: Request, **values: Any) -> Response:
    """GET the simulator's launch page: auto-POST the login initiation to the tool."""
    params = platform.launch_pages.get(request.args.get("id", ""))
    if params is None:
        return error_page(404, "not_found", "no such launch")
    if not platform.tool_login_url:
        return error_page(400, "not_configured", "the platform has no tool login URL")
    return auto_submit_response(FormPost(platform.tool_login_url, params), "Launching the tool")
