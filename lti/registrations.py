"""Partners, registrations and deployments: adding them, finding them, and the platforms'
key sets (cached, refetched once when a key id is unknown, fetched with a timeout).

A key set fetched during a launch that is then refused is still the platform's: the launch's
transaction rolls back, so ``platform_key`` also notes what it fetched in the session's
``info`` and the launch view stores it again with ``keep_fetched_key_sets``. Otherwise every
launch signed with an unknown key would fetch the key set anew.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import requests
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from curriculum.db import utcnow
from curriculum.errors import Conflict, NotFound
from curriculum.text import unique_slug
from lti.errors import unauthorized
from lti.models import Deployment, Partner, PartnerKind, Registration

#: Outside requests never wait longer than this (a slow LMS must not hang a worker).
HTTP_TIMEOUT = (3.05, 5)
#: How long a fetched key set is trusted before it is fetched again.
KEY_SET_MAX_AGE = timedelta(hours=1)
#: An unknown key id refetches the key set, at most this often (a flood of bad kids must not
#: turn into a flood of requests to the platform).
KEY_SET_MIN_REFETCH = timedelta(seconds=10)
#: The session ``info`` entry where ``platform_key`` notes the key sets it fetched.
FETCHED_KEY_SETS = "lti_fetched_key_sets"

FetchedKeySets = dict[int, tuple[dict[str, Any], datetime]]


def create_partner(session: Session, data: Mapping[str, Any]) -> Partner:
    """Add a partner institution."""
    slug = data.get("slug") or unique_slug(
        data["name"], lambda s: bool(session.scalar(
            select(func.count()).where(Partner.slug == s))))
    partner = Partner(slug=slug, name=data["name"], country=data.get("country"),
                      kind=PartnerKind(data.get("kind") or PartnerKind.OTHER),
                      migration_dedicated=data.get("migration_dedicated"))
    session.add(partner)
    session.flush()
    return partner


def find_or_create_partner(session: Session, name: str) -> Partner:
    """The partner with this name (or slug), created when it is new."""
    partner = session.scalar(select(Partner).where(
        (func.lower(Partner.name) == func.lower(name.strip())) | (Partner.slug == name)))
    return partner or create_partner(session, {"name": name.strip()})


def get_partner(session: Session, slug: str) -> Partner:
    """The partner with this slug, or :class:`NotFound`."""
    partner = session.scalar(select(Partner).where(Partner.slug == slug))
    if partner is None:
        raise NotFound(f"No partner has the slug '{slug}'.")
    return partner


def create_registration(session: Session, partner: Partner, data: Mapping[str, Any]
                        ) -> Registration:
    """Register a platform (issuer + client id) and its deployment ids."""
    issuer, client_id = data["issuer"].rstrip("/"), data["client_id"]
    if session.scalar(select(func.count()).where(Registration.issuer == issuer,
                                                 Registration.client_id == client_id)):
        raise Conflict(f"The issuer '{issuer}' with client id '{client_id}' is registered "
                       "already.")
    registration = Registration(
        partner=partner, name=data.get("name") or partner.name, issuer=issuer,
        client_id=client_id, auth_login_url=data["auth_login_url"],
        auth_token_url=data.get("auth_token_url"), key_set_url=data.get("key_set_url"),
        static_key_set=data.get("key_set"), product_family=data.get("product_family"),
        granted_scopes=data.get("granted_scopes"), deployments=[])
    for deployment_id in data.get("deployment_ids") or []:
        registration.deployments.append(Deployment(deployment_id=deployment_id))
    session.add(registration)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as error:
        raise Conflict(f"The issuer '{issuer}' with client id '{client_id}' is registered "
                       "already.") from error
    return registration


def add_deployment(session: Session, registration: Registration, deployment_id: str
                   ) -> Deployment:
    """Add a deployment id to a registration (or reactivate it)."""
    for deployment in registration.deployments:
        if deployment.deployment_id == deployment_id:
            deployment.active = True
            session.flush()
            return deployment
    deployment = Deployment(deployment_id=deployment_id)
    registration.deployments.append(deployment)
    session.flush()
    return deployment


def set_deployment_active(session: Session, registration: Registration, deployment_id: str,
                          active: bool) -> Deployment:
    """Activate or deactivate one deployment."""
    for deployment in registration.deployments:
        if deployment.deployment_id == deployment_id:
            deployment.active = active
            session.flush()
            return deployment
    raise NotFound(f"The registration has no deployment '{deployment_id}'.")


def find_registration(session: Session, issuer: str, client_id: str | None
                      ) -> Registration | None:
    """The registration of an issuer and client id; without a client id, the issuer's only
    registration (Canvas uses one issuer for every client id, so then there may be none)."""
    issuer = issuer.rstrip("/")
    if client_id:
        return session.scalar(select(Registration).where(
            Registration.issuer == issuer, Registration.client_id == client_id))
    candidates = session.scalars(select(Registration).where(Registration.issuer == issuer)
                                 .limit(2)).all()
    return candidates[0] if len(candidates) == 1 else None


# Platform key sets ----------------------------------------------------------------------


def platform_key(session: Session, registration: Registration, kid: str) -> dict[str, Any]:
    """The platform's public key (a JWK) with this key id.

    A static key set is used as it is. A key set URL is fetched with a timeout and cached; an
    unknown key id refetches it once (platforms rotate keys), then gives up.
    """
    if registration.static_key_set is not None:
        key = _key_in(registration.static_key_set, kid)
        if key is None:
            raise unauthorized("unknown_kid", f"The launch was signed with the key '{kid}', "
                               "which is not in the key set registered for this platform.",
                               "Update the platform's key set, or register its key set URL.")
        return key
    now = utcnow()
    fresh = (registration.key_set_fetched_at is not None
             and now - registration.key_set_fetched_at < KEY_SET_MAX_AGE)
    if registration.cached_key_set is not None and fresh:
        key = _key_in(registration.cached_key_set, kid)
        if key is not None:
            return key
        if now - registration.key_set_fetched_at < KEY_SET_MIN_REFETCH:  # type: ignore[operator]
            raise _unknown_kid(registration, kid)
    registration.cached_key_set = fetch_key_set(registration)
    registration.key_set_fetched_at = now
    session.info.setdefault(FETCHED_KEY_SETS, {})[registration.id] = (
        registration.cached_key_set, now)
    session.flush()
    key = _key_in(registration.cached_key_set, kid)
    if key is None:
        raise _unknown_kid(registration, kid)
    return key


def fetch_key_set(registration: Registration) -> dict[str, Any]:
    """GET the platform's key set, with a timeout, or a clear rejection."""
    url = registration.key_set_url
    hint = (f"Check that {url} answers with the platform's public keys (JWKS) and that "
            "this server can reach it.")
    if not url:
        raise unauthorized("no_key_set", "No key set URL is registered for this platform.",
                           "Register the platform's JWKS URL or key set.")
    try:
        answer = requests.get(url, timeout=HTTP_TIMEOUT, allow_redirects=False,
                              headers={"Accept": "application/json"})
    except requests.RequestException as error:
        raise unauthorized("key_set_unreachable",
                           f"The platform's key could not be fetched from {url} "
                           f"({type(error).__name__}).", hint) from error
    if answer.status_code != 200:
        raise unauthorized("key_set_unreachable", f"The platform's key set URL {url} "
                           f"answered {answer.status_code}.", hint)
    try:
        key_set = answer.json()
    except ValueError as error:
        raise unauthorized("key_set_invalid", f"The platform's key set at {url} is not JSON.",
                           hint) from error
    if not isinstance(key_set, dict) or not isinstance(key_set.get("keys"), list):
        raise unauthorized("key_set_invalid", f"The platform's key set at {url} has no "
                           "'keys' list.", hint)
    return key_set


def fetched_key_sets(session: Session) -> FetchedKeySets:
    """The key sets ``platform_key`` fetched in this session, by registration id (forgotten
    from the session as they are returned)."""
    fetched: FetchedKeySets = session.info.pop(FETCHED_KEY_SETS, {})
    return fetched


def keep_fetched_key_sets(session: Session, fetched: FetchedKeySets) -> None:
    """Cache key sets fetched by a transaction that rolled back (a refused launch)."""
    for registration_id, (key_set, fetched_at) in fetched.items():
        session.execute(update(Registration).where(Registration.id == registration_id)
                        .values(cached_key_set=key_set, key_set_fetched_at=fetched_at))


def _key_in(key_set: Mapping[str, Any], kid: str) -> dict[str, Any] | None:
    for key in key_set.get("keys", []):
        if isinstance(key, dict) and key.get("kid") == kid:
            return key
    return None


def _unknown_kid(registration: Registration, kid: str) -> Exception:
    return unauthorized(
        "unknown_kid",
        f"The launch was signed with the key '{kid}', which the platform's key set at "
        f"{registration.key_set_url} does not contain.",
        "The platform may have rotated its keys; if this persists, check the key set URL "
        "registered for it.")
