"""Registering the demo LMS with the tool, like any platform, and seeding its course."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lti.demo_lms.models import DemoPlacedLink
from lti.demo_lms.platform import (
    AGS_SCOPES,
    CLIENT_ID,
    DEPLOYMENT_ID,
    NRPS_SCOPE,
    PARTNER_NAME,
    PARTNER_SLUG,
    PRODUCT_FAMILY,
    REGISTRATION_NAME,
    SEEDED_PACKAGE,
    demo_urls,
    key_set,
)
from lti.models import Partner, PartnerKind, Registration
from lti.registrations import add_deployment, create_partner, create_registration, find_registration
from packages.models import Package
from packages.services import latest_version


@dataclass(frozen=True)
class DemoLmsSetup:
    """What registering the demo LMS did."""

    registration: Registration
    created: bool
    links_added: int


def demo_partner(session: Session) -> Partner:
    """The partner the demo LMS belongs to (created when missing)."""
    partner = session.scalar(select(Partner).where(Partner.slug == PARTNER_SLUG))
    return partner or create_partner(session, {
        "name": PARTNER_NAME, "slug": PARTNER_SLUG, "kind": PartnerKind.NATIONAL_TRAINING_CENTRE})


def register_demo_lms(session: Session, base_url: str) -> DemoLmsSetup:
    """Register the demo LMS served at ``base_url`` with the tool, and seed its course.

    Safe to run again: an existing registration gets the current addresses and key set. The
    key set is registered as a static key set, not a URL: the tool fetching the demo LMS's
    JWKS from this same server could deadlock a single synchronous worker.
    """
    urls = demo_urls(base_url)
    keys, scopes = key_set(session), [*AGS_SCOPES, NRPS_SCOPE]
    registration = find_registration(session, urls.issuer, CLIENT_ID)
    created = registration is None
    if registration is None:
        registration = create_registration(session, demo_partner(session), {
            "name": REGISTRATION_NAME, "issuer": urls.issuer, "client_id": CLIENT_ID,
            "auth_login_url": urls.auth, "auth_token_url": urls.token, "key_set": keys,
            "granted_scopes": scopes, "product_family": PRODUCT_FAMILY,
            "deployment_ids": [DEPLOYMENT_ID]})
    else:
        registration.auth_login_url = urls.auth
        registration.auth_token_url = urls.token
        registration.static_key_set = keys
        registration.granted_scopes = scopes
        registration.active = True
        add_deployment(session, registration, DEPLOYMENT_ID)
    session.flush()
    return DemoLmsSetup(registration, created, seed_course(session))


def seed_course(session: Session) -> int:
    """Place the demo package in the empty demo course (once); the number of links added."""
    if session.scalar(select(func.count()).select_from(DemoPlacedLink)):
        return 0
    package = session.scalar(select(Package).where(Package.slug == SEEDED_PACKAGE))
    version = latest_version(session, package) if package is not None else None
    if version is None:
        return 0
    title = version.snapshot["title"]
    session.add(DemoPlacedLink(
        title=title, text=version.snapshot.get("description"), custom={"package": SEEDED_PACKAGE},
        line_item_label=title, score_maximum=100.0, resource_id=SEEDED_PACKAGE,
        tag="completion"))
    session.flush()
    return 1
