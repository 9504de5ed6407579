"""Validating a launch (``POST /lti/launch``): every check the specifications ask for, in an
order that never trusts what has not been verified yet.

pylti1p3 2.0 checks the nonce before the signature, never uses a nonce up, ignores ``azp`` and
the ``iat`` of the token, and keeps state in one process's session; this module does each of
those here, against the database, so that any process can serve any launch.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import jwt
from sqlalchemy import and_, select, update
from sqlalchemy.orm import Session

from curriculum.db import utcnow
from lti import claims as c
from lti.claims import ValidatedLaunch
from lti.errors import LaunchRejected, bad_request, forbidden, unauthorized
from lti.models import Deployment, OidcState, Registration
from lti.registrations import find_registration, platform_key

MAX_ID_TOKEN_LENGTH = 64 * 1024
CLOCK_LEEWAY = timedelta(seconds=60)
STATE_COOKIE_PREFIX = "lti_state_"
ADMIN_HINT_REGISTRATION = ("Register the platform in this tool (curriculum platform add, or "
                           "Dynamic Registration) with exactly this issuer and client id.")


def state_cookie_name(state: str) -> str:
    """The cookie that binds a login's state to the browser that started it."""
    return STATE_COOKIE_PREFIX + hashlib.sha256(state.encode()).hexdigest()[:16]


def secret_hash(secret: str) -> str:
    """How a platform-storage secret is kept (hashed, like a password of one use)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def find_state(session: Session, state: str) -> OidcState:
    """The unused, unexpired login this launch answers."""
    row = session.scalar(select(OidcState).where(OidcState.state == _required_state(state)))
    return check_state(row, utcnow())


def _required_state(state: str) -> str:
    if not state:
        raise bad_request("missing_state", "The launch has no state.",
                          "The platform must POST id_token and state to the launch URL "
                          "(the tool's redirect URI).")
    return state


def check_state(row: OidcState | None, now: datetime) -> OidcState:
    """The login state exists, was never used and has not expired."""
    if row is None:
        raise bad_request("unknown_state", "The launch's state is unknown: this tool did not "
                          "start this login, or it was cleaned up long ago.",
                          "Start the launch again from the course.")
    if row.used_at is not None:
        raise _state_used()
    if row.expires_at < now:
        raise bad_request("state_expired", "The login took too long and its state expired.",
                          "Start the launch again from the course.")
    return row


def _state_used() -> LaunchRejected:
    return forbidden("state_used", "This launch was already used once; a launch cannot be "
                     "replayed.", "Start the launch again from the course.")


def check_browser(row: OidcState, cookies: Mapping[str, str], storage_secret: str | None
                  ) -> None:
    """The browser that posts the launch is the one that started the login."""
    if cookies.get(state_cookie_name(row.state)) == row.state:
        return
    if storage_secret and row.storage_secret_hash == secret_hash(storage_secret):
        return
    raise bad_request(
        "state_not_in_browser",
        "This browser did not start this launch: the tool's state cookie is missing.",
        "Browsers block cookies of tools shown in an iframe, above all over plain HTTP. Open "
        "the tool in a new window, serve it over HTTPS, or let the platform keep the state "
        "(LTI platform storage, which Canvas offers).")


def read_token(id_token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The header and the (still unverified) claims of a JWT, or a clear rejection."""
    if not id_token:
        raise bad_request("missing_id_token", "The launch has no id_token.",
                          "The platform must POST id_token and state to the launch URL.")
    if len(id_token) > MAX_ID_TOKEN_LENGTH:
        raise bad_request("id_token_too_large", f"The id_token is {len(id_token)} characters "
                          f"long; at most {MAX_ID_TOKEN_LENGTH} are accepted.",
                          "Reduce the custom parameters the platform sends.")
    try:
        parsed = jwt.decode_complete(id_token, options={"verify_signature": False})
    except jwt.PyJWTError as error:
        raise bad_request("not_a_jwt", "The id_token is not a JSON Web Token.",
                          "Check that the platform sends an LTI 1.3 launch.") from error
    header, body = parsed["header"], parsed["payload"]
    if not isinstance(body, dict):
        raise bad_request("not_a_jwt", "The id_token's payload is not a JSON object.",
                          "Check that the platform sends an LTI 1.3 launch.")
    if not header.get("kid"):
        raise unauthorized("no_kid", "The id_token's header names no key (kid).",
                           "The platform must sign launches with a key from its key set.")
    if header.get("alg") != "RS256":
        raise unauthorized("bad_alg", f"The id_token is signed with {header.get('alg')!r}; "
                           "LTI 1.3 requires RS256.", "Check the platform's LTI 1.3 settings.")
    return header, body


def client_id_of(body: Mapping[str, Any]) -> str:
    """The client id the token is meant for: its ``azp``, else its single audience."""
    aud = body.get("aud")
    audiences = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
    if not audiences or not all(isinstance(a, str) for a in audiences):
        raise bad_request("missing_aud", "The id_token has no audience (aud).",
                          "The platform must send the tool's client id as aud.")
    azp = body.get("azp")
    if len(audiences) > 1 and not azp:
        raise unauthorized("aud_without_azp", "The id_token has several audiences and no "
                           "authorized party (azp) naming this tool.",
                           "The platform must add azp with the tool's client id.")
    if azp is not None and (not isinstance(azp, str) or azp not in audiences):
        raise unauthorized("azp_mismatch", "The id_token's authorized party (azp) is not one "
                           "of its audiences.", "Check the client id the platform uses.")
    return str(azp or audiences[0])


def registration_of(session: Session, body: Mapping[str, Any], registration: Registration
                    ) -> Registration:
    """The registration the login was for, which the token must name."""
    issuer, client_id = body.get("iss"), client_id_of(body)
    if not isinstance(issuer, str) or not issuer:
        raise bad_request("missing_iss", "The id_token has no issuer (iss).",
                          "The platform must send its issuer.")
    if (issuer.rstrip("/"), client_id) != (registration.issuer, registration.client_id):
        if find_registration(session, issuer, client_id) is None:
            raise bad_request("unknown_registration", f"This tool has no registration for "
                              f"issuer {issuer} with client id {client_id}.",
                              ADMIN_HINT_REGISTRATION)
        raise unauthorized("registration_mismatch", "The id_token names another platform than "
                           "the login that started this launch.",
                           "Start the launch again from the course.")
    if not registration.active:
        raise forbidden("registration_inactive", f"The registration of {issuer} (client id "
                        f"{client_id}) is switched off in this tool.",
                        "Ask the tool's administrator to activate it.")
    return registration


def verify_signature(session: Session, id_token: str, header: Mapping[str, Any],
                     registration: Registration) -> dict[str, Any]:
    """The claims, once signature, audience, issuer and lifetime are verified."""
    key = jwt.PyJWK(platform_key(session, registration, str(header["kid"])), "RS256")
    try:
        verified: dict[str, Any] = jwt.decode(
            id_token, key, algorithms=["RS256"], audience=registration.client_id,
            issuer=registration.issuer, leeway=CLOCK_LEEWAY,
            options={"require": ["exp", "iat", "iss", "aud", "nonce"]})
    except jwt.ExpiredSignatureError as error:
        raise unauthorized("token_expired", "The launch token expired before it reached the "
                           "tool.", "Check that the platform's and the tool's clocks are "
                           "right, and launch again.") from error
    except jwt.ImmatureSignatureError as error:
        raise unauthorized("token_from_the_future", "The launch token was issued in the "
                           "future (iat).", "Check the platform's clock.") from error
    except jwt.MissingRequiredClaimError as error:
        raise unauthorized("missing_claim", f"The launch token lacks the '{error.claim}' "
                           "claim.", "The platform must send exp, iat, iss, aud and nonce."
                           ) from error
    except jwt.InvalidAudienceError as error:
        raise unauthorized("wrong_audience", "The launch token is not meant for this tool's "
                           "client id.", ADMIN_HINT_REGISTRATION) from error
    except jwt.InvalidSignatureError as error:
        raise unauthorized("bad_signature", "The launch token's signature does not match the "
                           "platform's key.", "Check the key set registered for the "
                           "platform.") from error
    except jwt.PyJWTError as error:
        raise unauthorized("invalid_token", f"The launch token is not valid: {error}.",
                           "Check the platform's LTI 1.3 settings.") from error
    return verified


def use_state(session: Session, body: Mapping[str, Any], state: OidcState, now: datetime
              ) -> None:
    """The token carries the login's nonce, and the login is used up now, for every process.

    The nonce is made afresh by each login and kept in its state row, so using the state up
    (a conditional ``UPDATE`` that only one transaction can win) uses the nonce up too: a
    replayed token either comes with its used state or with another login's nonce.
    """
    if body.get("nonce") != state.nonce:
        raise forbidden("nonce_mismatch", "The launch token's nonce is not the one this login "
                        "sent to the platform.", "Start the launch again from the course.")
    used = session.execute(update(OidcState).where(
        OidcState.id == state.id, OidcState.used_at.is_(None)).values(used_at=now))
    if not used.rowcount:  # type: ignore[attr-defined]  # a CursorResult
        raise _state_used()


def check_message(body: Mapping[str, Any]) -> None:
    """The LTI claims every launch must carry, by message type."""
    version = body.get(c.VERSION)
    if version is None:
        raise bad_request("missing_version", "The launch has no LTI version claim.",
                          "The platform must send LTI 1.3.0 launches.")
    if version != "1.3.0":
        raise bad_request("wrong_version", f"The launch is LTI version {version!r}; this tool "
                          "speaks 1.3.0.", "Configure the tool as LTI 1.3 in the platform.")
    message_type = body.get(c.MESSAGE_TYPE)
    if not message_type:
        raise bad_request("missing_message_type", "The launch has no message type.",
                          "The platform must send message_type.")
    if message_type not in c.MESSAGE_TYPES:
        raise bad_request("unsupported_message_type", f"This tool does not handle "
                          f"{message_type!r} messages.", "Use resource links or Deep Linking.")
    roles = body.get(c.ROLES)
    if roles is None:
        raise bad_request("missing_roles", "The launch has no roles claim (an empty list is "
                          "fine).", "The platform must send the roles claim.")
    if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
        raise bad_request("bad_roles", "The launch's roles claim is not a list of role URIs.",
                          "The platform must send roles as a list of strings.")
    if not body.get("sub"):
        raise bad_request("missing_sub", "The launch does not say who the user is (sub).",
                          "Anonymous launches are not supported; check the privacy settings.")
    if not body.get(c.TARGET_LINK_URI):
        raise bad_request("missing_target_link_uri", "The launch has no target_link_uri.",
                          "The platform must send target_link_uri.")
    if message_type == c.RESOURCE_LINK_REQUEST:
        link = body.get(c.RESOURCE_LINK)
        if not isinstance(link, dict) or not link.get("id"):
            raise bad_request("missing_resource_link", "The launch names no resource link "
                              "(resource_link.id).", "The platform must send resource_link.")
    else:
        settings = body.get(c.DEEP_LINKING_SETTINGS)
        if not isinstance(settings, dict) or not settings.get("deep_link_return_url"):
            raise bad_request("missing_deep_linking_settings", "The Deep Linking request has "
                              "no deep_link_return_url.", "Check the platform's settings.")
        accept_types = settings.get("accept_types")
        if not isinstance(accept_types, list) or "ltiResourceLink" not in accept_types:
            raise bad_request("no_resource_links_accepted", "This placement does not accept "
                              "LTI resource links.", "Use a placement that accepts them.")


def launch_rows(session: Session, state: str, deployment_id: Any
                ) -> tuple[OidcState | None, Registration | None, Deployment | None]:
    """The login state, its registration and the deployment the token names, in one query."""
    wanted = str(deployment_id) if deployment_id not in (None, "") else None
    found = session.execute(
        select(OidcState, Registration, Deployment)
        .join(Registration, Registration.id == OidcState.registration_id)
        .outerjoin(Deployment, and_(Deployment.registration_id == Registration.id,
                                    Deployment.deployment_id == wanted))
        .where(OidcState.state == state)).first()
    return (found[0], found[1], found[2]) if found else (None, None, None)


def validate_launch(session: Session, *, id_token: str, state: str,
                    cookies: Mapping[str, str], storage_secret: str | None = None
                    ) -> ValidatedLaunch:
    """Every check of a launch; the first that fails raises :class:`LaunchRejected`.

    The token is parsed (not trusted) first only to name the deployment the one query looks
    up; a token that cannot be parsed is refused after the state checks, as before.
    """
    now = utcnow()
    unreadable: LaunchRejected | None = None
    try:
        header, unverified = read_token(id_token)
    except LaunchRejected as rejected:
        header, unverified, unreadable = {}, {}, rejected
    row, registration, deployment = launch_rows(
        session, _required_state(state), unverified.get(c.DEPLOYMENT_ID))
    row = check_state(row, now)
    check_browser(row, cookies, storage_secret)
    if unreadable is not None:
        raise unreadable
    assert registration is not None  # the state row's foreign key
    registration = registration_of(session, unverified, registration)
    body = verify_signature(session, id_token, header, registration)
    use_state(session, body, row, now)
    deployment_id = body.get(c.DEPLOYMENT_ID)
    if not deployment_id:
        raise bad_request("missing_deployment_id", "The launch has no deployment_id.",
                          "The platform must send deployment_id.")
    if deployment is None:
        raise forbidden("unknown_deployment", f"The deployment id {deployment_id} is not "
                        f"registered for issuer {registration.issuer} (client id "
                        f"{registration.client_id}).", "Add this deployment id to the "
                        "platform's registration in this tool.")
    if not deployment.active:
        raise forbidden("inactive_deployment", f"The deployment {deployment_id} of "
                        f"{registration.issuer} is switched off in this tool.",
                        "Ask the tool's administrator to activate it.")
    check_message(body)
    return ValidatedLaunch(registration_id=registration.id, deployment_pk=deployment.id,
                           claims=body)


__all__ = ["LaunchRejected", "validate_launch"]
