"""One-time Dynamic Registration invitations: an administrator hands a partner's LMS
administrator a URL; the first registration through it uses it up.

The token in the URL is shown once and stored only as its SHA-256 (like API tokens).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from curriculum.db import utcnow
from lti.errors import LaunchRejected
from lti.models import Partner, Registration, RegistrationInvitation
from lti.urls import tool_urls

INVITATION_LIFETIME = timedelta(days=7)
MAX_LIFETIME_DAYS = 90
TOKEN_PREFIX = "reg_"
MAX_TOKEN_LENGTH = 200
ADMIN_HINT = ("Ask the curriculum service's administrator for a new registration URL "
              "(curriculum platform invite --partner NAME).")


class RegistrationRefused(LaunchRejected):
    """A Dynamic Registration that cannot go on: a 4xx page that says why, nothing stored."""

    template = "lti/registration_error.html"


def refused(reason: str, message: str, hint: str, status: int = 400) -> RegistrationRefused:
    """A refusal with a stable ``reason`` code, a message and what to do about it."""
    return RegistrationRefused(reason, message, hint, status)


@dataclass(frozen=True)
class IssuedInvitation:
    """A new invitation; ``url`` holds the token, which is never shown again."""

    invitation: RegistrationInvitation
    url: str


def hash_invitation_token(token: str) -> str:
    """The stored form of an invitation token."""
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_url(base_url: str, token: str) -> str:
    """The registration URL an LMS administrator pastes into the platform."""
    return f"{tool_urls(base_url).registration}?{urlencode({'invitation': token})}"


def create_invitation(session: Session, partner: Partner, *, base_url: str,
                      expires_in: timedelta = INVITATION_LIFETIME) -> IssuedInvitation:
    """A one-time registration URL for ``partner``'s LMS, valid for ``expires_in``."""
    if not timedelta(0) < expires_in <= timedelta(days=MAX_LIFETIME_DAYS):
        raise refused("invitation_lifetime", "An invitation lasts from 1 to "
                      f"{MAX_LIFETIME_DAYS} days.", "Choose another lifetime.")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    invitation = RegistrationInvitation(
        token_hash=hash_invitation_token(token), partner=partner, created_at=now,
        expires_at=now + expires_in)
    session.add(invitation)
    session.flush()
    return IssuedInvitation(invitation=invitation, url=invitation_url(base_url, token))


def invitation_state(invitation: RegistrationInvitation, now: datetime | None = None) -> str:
    """``used``, ``expired`` or ``open``."""
    if invitation.used_at is not None:
        return "used"
    return "expired" if invitation.expires_at <= (now or utcnow()) else "open"


def check_invitation(session: Session, token: str | None) -> RegistrationInvitation:
    """The open invitation of ``token``, or a refusal that says why it cannot be used."""
    if not token:
        raise refused("missing_invitation", "This registration URL has no invitation.",
                      "Use the complete registration URL you were given. " + ADMIN_HINT)
    invitation = None
    if len(token) <= MAX_TOKEN_LENGTH:
        invitation = session.scalar(select(RegistrationInvitation).where(
            RegistrationInvitation.token_hash == hash_invitation_token(token)))
    if invitation is None:
        raise refused("unknown_invitation", "This registration URL's invitation is not valid.",
                      "Check that the URL was copied completely. " + ADMIN_HINT, 403)
    state = invitation_state(invitation)
    if state == "used":
        raise refused("invitation_used", "This registration URL was already used once; an "
                      "invitation registers one platform.", ADMIN_HINT, 403)
    if state == "expired":
        raise refused("invitation_expired", "This registration URL expired on "
                      f"{invitation.expires_at:%Y-%m-%d %H:%M} UTC.", ADMIN_HINT, 403)
    return invitation


def use_invitation(session: Session, invitation: RegistrationInvitation,
                   registration: Registration) -> None:
    """Mark the invitation used by ``registration``; a concurrent use makes this one fail."""
    now = utcnow()
    # A conditional UPDATE: of two registrations racing with one invitation, one wins.
    result = session.execute(
        update(RegistrationInvitation)
        .where(RegistrationInvitation.id == invitation.id,
               RegistrationInvitation.used_at.is_(None))
        .values(used_at=now, registration_id=registration.id)
        .execution_options(synchronize_session=False))
    if getattr(result, "rowcount", 1) != 1:
        raise refused("invitation_used", "This registration URL was used by another "
                      "registration at the same moment.", ADMIN_HINT, 409)
    session.refresh(invitation)


def partner_invitations(session: Session, partner: Partner) -> list[RegistrationInvitation]:
    """A partner's invitations, newest first."""
    return list(session.scalars(
        select(RegistrationInvitation).where(RegistrationInvitation.partner_id == partner.id)
        .order_by(RegistrationInvitation.created_at.desc(), RegistrationInvitation.id.desc())))
