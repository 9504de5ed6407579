"""RSA signing keys, generated once per test session (2048-bit generation is slow) and reused."""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

KidStyle = Literal["moodle", "canvas", "plain"]

#: Canvas names keys by the moment they were made; the first one its docs show.
CANVAS_KID_EPOCH = datetime(2018, 6, 18, 22, 33, 20, tzinfo=UTC)


@dataclass(frozen=True)
class SigningKey:
    """An RSA private key with the ``kid`` it is published under."""

    kid: str
    private_key: rsa.RSAPrivateKey

    def public_jwk(self) -> dict[str, Any]:
        """The public half as a JWK, the way platforms publish it."""
        jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(self.private_key.public_key()))
        return {**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}

    def private_pem(self) -> bytes:
        """The private key as unencrypted PKCS#8 PEM."""
        return self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())

    def public_pem(self) -> bytes:
        """The public key as SubjectPublicKeyInfo PEM."""
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


@functools.cache
def rsa_key(label: str) -> rsa.RSAPrivateKey:
    """The 2048-bit RSA key named ``label``, made on first use and kept for the session."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def make_kid(label: str, style: KidStyle) -> str:
    """A stable ``kid`` for ``label``, shaped like the platform's own."""
    digest = hashlib.sha256(label.encode()).digest()
    if style == "canvas":
        seconds = int.from_bytes(digest[:4], "big") % (5 * 365 * 86400)
        return (CANVAS_KID_EPOCH + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")
    if style == "moodle":
        return digest[:10].hex()
    return f"{label}-{digest[:4].hex()}"


def signing_key(label: str, style: KidStyle = "plain") -> SigningKey:
    """The session's key named ``label`` with a ``kid`` in the given style."""
    return SigningKey(kid=make_kid(label, style), private_key=rsa_key(label))


def key_set(*keys: SigningKey) -> dict[str, Any]:
    """A JWKS document publishing the public halves of ``keys``."""
    return {"keys": [key.public_jwk() for key in keys]}
