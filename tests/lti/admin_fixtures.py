"""Builders for the LTI administration tests: partners, registrations, key sets, invitations."""

from __future__ import annotations

import json
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from curriculum.accounts.models import Role
from curriculum.accounts.services import create_user, issue_token
from lti.invitations import IssuedInvitation, create_invitation
from lti.models import Partner, PartnerKind, Registration, RegistrationInvitation
from lti.registrations import create_partner, create_registration

BASE_URL = "http://localhost"
MOODLE_ISSUER = "https://learn.example.org"


def token_for(session: Session, role: Role, email: str | None = None) -> str:
    """A committed user with ``role`` and their API token."""
    user = create_user(session, email or f"lti-{role.value}@example.org", role)
    secret = issue_token(session, user).secret
    session.commit()
    return secret


def make_partner(session: Session, name: str = "Kenya School of Government",
                 **fields: Any) -> Partner:
    """A committed partner institution."""
    partner = create_partner(session, {"name": name, "kind": PartnerKind.NATIONAL_TRAINING_CENTRE,
                                       **fields})
    session.commit()
    return partner


def moodle_data(**overrides: Any) -> dict[str, Any]:
    """What an administrator types in for a Moodle site."""
    return {"issuer": MOODLE_ISSUER, "client_id": "kq3Jc9XzT1aB2cD",
            "deployment_ids": ["1"],
            "auth_login_url": f"{MOODLE_ISSUER}/mod/lti/auth.php",
            "auth_token_url": f"{MOODLE_ISSUER}/mod/lti/token.php",
            "key_set_url": f"{MOODLE_ISSUER}/mod/lti/certs.php",
            "product_family": "moodle", **overrides}


def make_registration(session: Session, partner: Partner, **overrides: Any) -> Registration:
    """A committed Moodle-shaped registration."""
    registration = create_registration(session, partner, moodle_data(**overrides))
    session.commit()
    return registration


def make_invitation(session: Session, partner: Partner, **kwargs: Any) -> IssuedInvitation:
    """A committed invitation of ``partner``."""
    issued = create_invitation(session, partner, base_url=BASE_URL, **kwargs)
    session.commit()
    return issued


def public_key_set(kid: str = "platform-key-1") -> dict[str, Any]:
    """A JWKS with one fresh RSA public key."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key()))
    return {"keys": [{**jwk, "kid": kid, "alg": "RS256", "use": "sig"}]}


def count(session: Session, model: type) -> int:
    """How many rows of ``model`` are stored (as a fresh read)."""
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model)) or 0


def invitation_of(session: Session, issued: IssuedInvitation) -> RegistrationInvitation:
    """The invitation as stored now."""
    session.expire_all()
    found = session.get(RegistrationInvitation, issued.invitation.id)
    assert found is not None
    return found
