"""Who the demo LMS is: its addresses, its course and people, and its signing key."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti.demo_lms.models import DemoPlatformKey
from lti.keys import KEY_SIZE, load_private_key, new_kid

PATH = "/demo-lms"
CLIENT_ID = "demo-lms"
DEPLOYMENT_ID = "1"
PARTNER_NAME = "Demo training centre"
PARTNER_SLUG = "demo-training-centre"
REGISTRATION_NAME = "Demo LMS"
PRODUCT_FAMILY = "gmg-demo-lms"
COURSE_ID = "2"
COURSE_LABEL = "MIGGOV-DEMO"
COURSE_TITLE = "Demo course: Migration governance"
SEEDED_PACKAGE = "foundations-of-migration-governance"

_ROLE = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
AGS_SCOPES = [f"https://purl.imsglobal.org/spec/lti-ags/scope/{scope}" for scope in (
    "lineitem", "lineitem.readonly", "result.readonly", "score")]
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"


@dataclass(frozen=True)
class DemoUser:
    """A person of the demo course, always launching with the same role."""

    sub: str
    username: str
    given_name: str
    family_name: str
    role: str  # "learner" or "trainer"

    @property
    def name(self) -> str:
        """The full name."""
        return f"{self.given_name} {self.family_name}"

    @property
    def email(self) -> str:
        """A made-up address (example.org never delivers mail)."""
        return f"{self.username}@demo-lms.example.org"

    @property
    def roles(self) -> list[str]:
        """The LIS membership roles, as Moodle sends them (full URIs)."""
        return [_ROLE + ("Instructor" if self.role == "trainer" else "Learner")]

    @property
    def is_trainer(self) -> bool:
        """Whether they teach the course."""
        return self.role == "trainer"


LEARNER = DemoUser("2", "amina.diallo", "Amina", "Diallo", "learner")
TRAINER = DemoUser("3", "carlos.mendes", "Carlos", "Mendes", "trainer")
USERS = {user.sub: user for user in (LEARNER, TRAINER)}


@dataclass(frozen=True)
class DemoUrls:
    """The demo LMS's addresses on a service served at ``base``."""

    base: str

    @property
    def issuer(self) -> str:
        """The platform's issuer (its ``wwwroot``, in Moodle's words)."""
        return self.base + PATH

    @property
    def course(self) -> str:
        """The course page (also the launches' return URL)."""
        return self.issuer + "/"

    @property
    def auth(self) -> str:
        """The OIDC authorization endpoint."""
        return self.issuer + "/auth"

    @property
    def token(self) -> str:
        """The OAuth2 token endpoint (grade passback)."""
        return self.issuer + "/token"

    @property
    def jwks(self) -> str:
        """The platform's public keys."""
        return self.issuer + "/jwks.json"

    @property
    def deep_linking_return(self) -> str:
        """Where the tool posts its Deep Linking response."""
        return self.issuer + "/deep-linking/return"

    @property
    def lineitems(self) -> str:
        """The course's line item container (with Moodle's ``type_id`` query)."""
        return f"{self.issuer}/lineitems?type_id={DEPLOYMENT_ID}"

    def lineitem(self, link_id: int) -> str:
        """A placed link's line item (with Moodle's ``type_id`` query, kept on purpose)."""
        return f"{self.issuer}/lineitems/{link_id}?type_id={DEPLOYMENT_ID}"

    @property
    def memberships(self) -> str:
        """The course roster (NRPS)."""
        return f"{self.issuer}/memberships"


def demo_urls(base_url: str) -> DemoUrls:
    """The demo LMS's addresses on the service served at ``base_url``."""
    return DemoUrls(base_url.rstrip("/"))


# The platform's key -----------------------------------------------------------------------


def platform_key(session: Session) -> DemoPlatformKey:
    """The newest signing key of the demo LMS; one is made (and kept) when there is none."""
    key = session.scalar(select(DemoPlatformKey).order_by(
        DemoPlatformKey.created_at.desc(), DemoPlatformKey.id.desc()).limit(1))
    if key is not None:
        return key
    private = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()).decode()
    kid = "demo-lms-" + new_kid()
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key()))
    jwk.update({"kid": kid, "alg": "RS256", "use": "sig"})
    key = DemoPlatformKey(kid=kid, private_key_pem=pem, public_jwk=jwk)
    session.add(key)
    session.flush()
    return key


def key_set(session: Session) -> dict[str, Any]:
    """The demo LMS's public keys (a JWKS)."""
    return {"keys": [platform_key(session).public_jwk]}


def sign(session: Session, claims: dict[str, Any]) -> str:
    """A JWT of ``claims`` signed RS256 with the demo LMS's key."""
    key = platform_key(session)
    return jwt.encode(claims, load_private_key(key.private_key_pem), algorithm="RS256",
                      headers={"kid": key.kid})
