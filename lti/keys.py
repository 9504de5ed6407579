"""The tool's own RSA keys: created, rotated, retired, published as a JWKS, loaded once.

Loading a PEM costs about 29 ms of CPU and signing with a loaded key 0.3 ms, so each process
keeps the keys it has loaded (they never change once created; a retired key is simply no
longer chosen).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select
from sqlalchemy.orm import Session

from curriculum.db import utcnow
from curriculum.errors import Conflict, NotFound
from lti.models import KeyStatus, ToolKey

KEY_SIZE = 2048


def new_kid(now: datetime | None = None) -> str:
    """A key id that says when the key was made (as Canvas's do)."""
    return (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def create_key(session: Session) -> ToolKey:
    """Make a new RSA key pair; it becomes the signing key and is published at once."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()).decode()
    kid = new_kid()
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key()))
    jwk.update({"kid": kid, "alg": "RS256", "use": "sig"})
    key = ToolKey(kid=kid, private_key_pem=pem, public_jwk=jwk, status=KeyStatus.ACTIVE)
    session.add(key)
    session.flush()
    return key


def active_keys(session: Session) -> list[ToolKey]:
    """The published keys, newest first."""
    return list(session.scalars(
        select(ToolKey).where(ToolKey.status == KeyStatus.ACTIVE)
        .order_by(ToolKey.created_at.desc(), ToolKey.id.desc())))


def signing_key(session: Session) -> ToolKey:
    """The newest active key (one is made when there is none)."""
    keys = active_keys(session)
    return keys[0] if keys else create_key(session)


def retire_key(session: Session, kid: str) -> ToolKey:
    """Stop publishing a key; the last active key cannot be retired."""
    key = session.scalar(select(ToolKey).where(ToolKey.kid == kid))
    if key is None:
        raise NotFound(f"No tool key has the id '{kid}'.")
    if key.status is KeyStatus.ACTIVE and len(active_keys(session)) == 1:
        raise Conflict("This is the only active key: rotate first, then retire the old one.")
    key.status = KeyStatus.RETIRED
    key.retired_at = utcnow()
    session.flush()
    return key


def jwks(session: Session) -> dict[str, Any]:
    """The public key set platforms verify our signatures with (a first key is made when
    there is none, so that a platform that fetches it early never finds it empty)."""
    keys = active_keys(session) or [create_key(session)]
    return {"keys": [key.public_jwk for key in keys]}


@lru_cache(maxsize=32)
def load_private_key(pem: str) -> rsa.RSAPrivateKey:
    """The private key object of a PEM, parsed once per process."""
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def sign(session: Session, claims: dict[str, Any]) -> str:
    """A JWT of ``claims`` signed RS256 with the current signing key."""
    key = signing_key(session)
    return jwt.encode(claims, load_private_key(key.private_key_pem), algorithm="RS256",
                      headers={"kid": key.kid})
