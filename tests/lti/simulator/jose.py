"""Just enough JOSE to sign anything (even malformed tokens) and verify what tools send."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Mapping
from typing import Any

import jwt
import requests
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from .keys import SigningKey

RSA_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "RS256": hashes.SHA256, "RS384": hashes.SHA384, "RS512": hashes.SHA512}


class JoseError(Exception):
    """A token that does not verify; the message says why."""


def b64url(data: bytes) -> str:
    """Unpadded base64url."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    """Decode unpadded base64url."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode(claims: Mapping[str, Any], key: SigningKey | None, *,
           header: Mapping[str, Any] | None = None, alg: str = "RS256",
           secret: bytes | None = None) -> str:
    """A compact JWS of ``claims``.

    ``header`` entries replace the defaults (``typ``, ``alg``, ``kid``); a ``None`` value takes
    the field out. ``alg`` may be RS256/384/512, HS256 (with ``secret``, or the public key PEM
    as the secret: the classic algorithm confusion attack) or ``none``.
    """
    fields: dict[str, Any] = {"typ": "JWT", "alg": alg}
    if key is not None and alg.startswith("RS"):
        fields["kid"] = key.kid
    fields.update(header or {})
    fields = {name: value for name, value in fields.items() if value is not None}
    signing_input = (b64url(json.dumps(fields).encode()) + "."
                     + b64url(json.dumps(dict(claims)).encode())).encode()
    if alg in RSA_HASHES:
        if key is None:
            raise ValueError(f"{alg} needs a key")
        signature = key.private_key.sign(signing_input, padding.PKCS1v15(), RSA_HASHES[alg]())
    elif alg == "HS256":
        if secret is None and key is None:
            raise ValueError("HS256 needs a secret or a key")
        mac_key = secret if secret is not None else key.public_pem()  # type: ignore[union-attr]
        signature = hmac.new(mac_key, signing_input, hashlib.sha256).digest()
    elif alg == "none":
        signature = b""
    else:
        raise ValueError(f"unsupported alg {alg}")
    return signing_input.decode() + "." + b64url(signature)


def verify_hs256(token: str, secret: bytes) -> dict[str, Any]:
    """The claims of an HS256 token signed with ``secret``; checks ``exp`` too."""
    try:
        head, body, signature = token.split(".")
        header = json.loads(b64url_decode(head))
        expected = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
        claims: dict[str, Any] = json.loads(b64url_decode(body))
    except ValueError as error:
        raise JoseError(f"not a JWT: {error}") from None
    if header.get("alg") != "HS256" or not hmac.compare_digest(expected, b64url_decode(signature)):
        raise JoseError("bad signature")
    if claims.get("exp", 0) < time.time():
        raise JoseError("expired")
    return claims


def unverified_header(token: str) -> dict[str, Any]:
    """The JOSE header of ``token``, unchecked."""
    try:
        header: dict[str, Any] = json.loads(b64url_decode(token.split(".")[0]))
    except ValueError as error:
        raise JoseError(f"not a JWT: {error}") from None
    return header


def unverified_claims(token: str) -> dict[str, Any]:
    """The payload of ``token``, unchecked."""
    try:
        claims: dict[str, Any] = json.loads(b64url_decode(token.split(".")[1]))
    except (ValueError, IndexError) as error:
        raise JoseError(f"not a JWT: {error}") from None
    return claims


def corrupt_signature(token: str) -> str:
    """``token`` with its signature's bytes flipped: a well-formed JWT that fails to verify."""
    head, body, signature = token.split(".")
    flipped = bytes(byte ^ 0xFF for byte in b64url_decode(signature))
    return f"{head}.{body}.{b64url(flipped)}"


def fetch_jwks(url: str, timeout: float = 5) -> dict[str, Any]:
    """The key set served at ``url``."""
    try:
        response = requests.get(url, timeout=timeout, headers={"Accept": "application/json"})
        response.raise_for_status()
        keys: dict[str, Any] = response.json()
    except (requests.RequestException, ValueError) as error:
        raise JoseError(f"cannot fetch the key set at {url}: {error}") from None
    return keys


def verify_rs256(token: str, jwks: Mapping[str, Any], *, audience: str | None,
                 issuer: str | None = None, leeway: float = 5) -> dict[str, Any]:
    """The claims of ``token`` once its signature (by ``kid``), aud, iss and times check out."""
    header = unverified_header(token)
    if header.get("alg") != "RS256":
        raise JoseError(f"alg must be RS256, not {header.get('alg')!r}")
    kid = header.get("kid")
    if not kid:
        raise JoseError("no kid in the header")
    jwk = next((key for key in jwks.get("keys", []) if key.get("kid") == kid), None)
    if jwk is None:
        raise JoseError(f"unknown kid {kid!r}")
    try:
        claims: dict[str, Any] = jwt.decode(
            token, jwt.PyJWK(dict(jwk), "RS256").key, algorithms=["RS256"], audience=audience,
            issuer=issuer, leeway=leeway, options={"require": ["exp", "iat"]})
    except jwt.PyJWTError as error:
        raise JoseError(str(error)) from None
    return claims


def client_assertion(key: SigningKey, client_id: str, token_url: str, *,
                     iat: float | None = None, lifetime: int = 300, jti: str | None = None,
                     **overrides: Any) -> str:
    """A tool's OAuth2 client assertion (RFC 7523), as a test tool would sign it."""
    now = int(time.time() if iat is None else iat)
    claims = {"iss": client_id, "sub": client_id, "aud": token_url, "iat": now,
              "exp": now + lifetime, "jti": jti or uuid.uuid4().hex, **overrides}
    return encode(claims, key)
