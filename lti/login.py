"""OIDC login initiation (``/lti/login``): find the registration, remember a fresh state and
nonce in the database, and send the browser to the platform's authorization endpoint."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy import delete
from sqlalchemy.orm import Session

from curriculum.db import utcnow
from lti.errors import bad_request, forbidden
from lti.launch import ADMIN_HINT_REGISTRATION, secret_hash, state_cookie_name
from lti.models import OidcState
from lti.registrations import find_registration

STATE_LIFETIME = timedelta(minutes=10)
#: Expired states are deleted by about one login in this many: they are refused anyway (by
#: their expiry), so deleting them is housekeeping, not worth a statement on every login.
CLEANUP_ONE_LOGIN_IN = 32
MAX_PARAM_LENGTH = 4096


@dataclass(frozen=True)
class LoginStart:
    """Where to send the browser, and what it must keep to prove it started the login."""

    auth_url: str
    state: str
    cookie_name: str
    storage_target: str | None
    storage_key: str
    storage_secret: str | None
    auth_origin: str


def _param(params: Mapping[str, str], name: str, *, required: bool = False) -> str | None:
    value = params.get(name)
    if value is not None and len(value) > MAX_PARAM_LENGTH:
        raise bad_request("parameter_too_long", f"The login parameter '{name}' is too long.",
                          "Check the platform's LTI settings.")
    if required and not value:
        raise bad_request(f"missing_{name}", f"The login request lacks '{name}'.",
                          "The platform must send iss, login_hint and target_link_uri.")
    return value or None


def forget_expired(session: Session, now: datetime) -> None:
    """Delete the login states that have expired (with them, their nonces)."""
    session.execute(delete(OidcState).where(OidcState.expires_at < now))


def start_login(session: Session, params: Mapping[str, str], *, launch_url: str,
                base_url: str) -> LoginStart:
    """Check a login initiation request and prepare the redirect to the platform."""
    issuer = _param(params, "iss", required=True)
    login_hint = _param(params, "login_hint", required=True)
    target_link_uri = _param(params, "target_link_uri", required=True)
    client_id = _param(params, "client_id")
    assert issuer and login_hint and target_link_uri
    registration = find_registration(session, issuer, client_id)
    if registration is None:
        which = f"client id {client_id}" if client_id else "no client id (and several or none)"
        raise bad_request("unknown_registration", f"This tool has no registration for issuer "
                          f"{issuer} with {which}.", ADMIN_HINT_REGISTRATION)
    if not registration.active:
        raise forbidden("registration_inactive", f"The registration of {issuer} is switched "
                        "off in this tool.", "Ask the tool's administrator to activate it.")
    if not target_link_uri.startswith(base_url.rstrip("/") + "/"):
        raise bad_request("foreign_target_link_uri", f"The target_link_uri {target_link_uri} "
                          f"is not on this tool ({base_url}).",
                          "Set the tool's launch URL in the platform to this tool's address.")
    now = utcnow()
    if secrets.randbelow(CLEANUP_ONE_LOGIN_IN) == 0:
        forget_expired(session, now)
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    storage_target = _param(params, "lti_storage_target")
    storage_secret = secrets.token_urlsafe(32) if storage_target else None
    session.add(OidcState(
        state=state, nonce=nonce, registration_id=registration.id,
        storage_secret_hash=secret_hash(storage_secret) if storage_secret else None,
        expires_at=now + STATE_LIFETIME))
    session.flush()
    query = {
        "scope": "openid", "response_type": "id_token", "response_mode": "form_post",
        "prompt": "none", "client_id": registration.client_id, "redirect_uri": launch_url,
        "login_hint": login_hint, "state": state, "nonce": nonce,
    }
    message_hint = _param(params, "lti_message_hint")
    if message_hint:
        query["lti_message_hint"] = message_hint
    separator = "&" if "?" in registration.auth_login_url else "?"
    auth_url = registration.auth_login_url + separator + urlencode(query)
    origin = "/".join(registration.auth_login_url.split("/", 3)[:3])
    return LoginStart(auth_url=auth_url, state=state, cookie_name=state_cookie_name(state),
                      storage_target=storage_target, storage_key=f"state_{state}",
                      storage_secret=storage_secret, auth_origin=origin)
