"""What administrators do with partners and registrations besides adding them: find, list,
switch on and off (the CLI and the admin API both call these)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from curriculum.errors import Conflict, NotFound
from lti.models import KeyStatus, Partner, PartnerKind, Registration, ToolKey
from lti.registrations import create_partner


def find_partner(session: Session, name_or_slug: str) -> Partner | None:
    """The partner with this name (any case) or slug."""
    name = " ".join(name_or_slug.split())
    # lower() on both sides: SQLite's lowers ASCII only, so Python's casefold() would miss
    # "École ..." stored as it was typed.
    return session.scalar(select(Partner).where(
        (func.lower(Partner.name) == func.lower(name)) | (Partner.slug == name))
        .order_by(Partner.id).limit(1))


def partner_for(session: Session, name_or_slug: str, *, country: str | None = None,
                kind: PartnerKind | None = None) -> Partner:
    """The partner named so; a new one (with ``country`` and ``kind``) when there is none."""
    partner = find_partner(session, name_or_slug)
    if partner is not None:
        return partner
    return create_partner(session, {"name": " ".join(name_or_slug.split()),
                                    "country": country, "kind": kind})


def add_partner(session: Session, data: Mapping[str, Any]) -> Partner:
    """Add a partner; its name and slug must be new (the CLI finds partners by either)."""
    for value in (data["name"], data.get("slug")):
        if value and find_partner(session, value) is not None:
            raise Conflict(f"A partner named or with the slug '{value}' exists already.")
    return create_partner(session, data)


def list_partners(session: Session) -> list[Partner]:
    """Every partner, by name."""
    return list(session.scalars(select(Partner).order_by(Partner.name, Partner.id)))


def list_registrations(session: Session, partner: Partner | None = None
                       ) -> list[Registration]:
    """Registrations with their deployments, by partner then name."""
    statement = (select(Registration).join(Registration.partner)
                 .options(selectinload(Registration.deployments))
                 .order_by(Partner.name, Registration.name, Registration.id))
    if partner is not None:
        statement = statement.where(Registration.partner_id == partner.id)
    return list(session.scalars(statement).unique())


def get_registration(session: Session, registration_id: int) -> Registration:
    """The registration with this id, or :class:`NotFound`."""
    registration = session.get(Registration, registration_id)
    if registration is None:
        raise NotFound(f"No registration has the id {registration_id}.")
    return registration


def set_registration_active(session: Session, registration: Registration, active: bool
                            ) -> Registration:
    """Switch a whole registration on or off (launches of an inactive one are refused)."""
    registration.active = active
    session.flush()
    return registration


def registration_state(registration: Registration) -> str:
    """``active``, ``inactive``, or ``no deployment`` (registered but nothing can launch)."""
    if not registration.active:
        return "inactive"
    if not any(d.active for d in registration.deployments):
        return "no active deployment"
    return "active"


def all_keys(session: Session) -> list[ToolKey]:
    """Every tool key, the active ones first, newest first."""
    return list(session.scalars(select(ToolKey).order_by(
        (ToolKey.status == KeyStatus.ACTIVE).desc(), ToolKey.created_at.desc(),
        ToolKey.id.desc())))
