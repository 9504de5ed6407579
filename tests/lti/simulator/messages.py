"""Signed LTI messages: the claims a builder made, how to sign them, and the login they await."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from . import jose
from .claims import LTI, apply_overrides
from .keys import SigningKey

#: Ways to spoil a token that signing alone cannot: ``signature`` flips the signature's bytes,
#: ``not_jwt`` replaces the whole token with text that is not a JWT.
Tamper = Literal["signature", "not_jwt"] | None

#: Fields refreshed each time a message is signed, unless a test pinned or removed them.
AUTO_FIELDS = frozenset({"iat", "exp", "nonce"})


@dataclass
class Message:
    """An id_token (or any platform JWT) ready to sign, with its header and key choices."""

    claims: dict[str, Any]
    key: SigningKey | None
    lifetime: int
    header: dict[str, Any] = field(default_factory=dict)
    alg: str = "RS256"
    tamper: Tamper = None
    auto: frozenset[str] = AUTO_FIELDS
    login_hint: str = ""

    @property
    def message_type(self) -> str | None:
        """The LTI message type (``LtiResourceLinkRequest``...), if the claim is there."""
        value = self.claims.get(LTI + "message_type")
        return value if isinstance(value, str) else None

    @property
    def target_link_uri(self) -> str:
        """Where the launch is meant to land."""
        return str(self.claims.get(LTI + "target_link_uri", ""))

    @property
    def nonce(self) -> str | None:
        """The nonce the message carries when signed without a tool's nonce."""
        value = self.claims.get("nonce")
        return value if isinstance(value, str) else None

    def sign(self, nonce: str | None = None) -> str:
        """The compact JWT, ``iat``/``exp`` set to now and ``nonce`` to the tool's one."""
        claims = dict(self.claims)
        now = int(time.time())
        if "iat" in self.auto:
            claims["iat"] = now
        if "exp" in self.auto:
            claims["exp"] = int(claims.get("iat", now)) + self.lifetime
        if "nonce" in self.auto and nonce is not None:
            claims["nonce"] = nonce
        if self.tamper == "not_jwt":
            return "this-is-not-a-jwt"
        token = jose.encode(claims, self.key, header=self.header, alg=self.alg)
        return jose.corrupt_signature(token) if self.tamper == "signature" else token

    @property
    def id_token(self) -> str:
        """The message signed now with its own nonce (for posting it straight to the tool)."""
        return self.sign()

    def form(self, state: str, nonce: str | None = None) -> dict[str, str]:
        """The form fields a platform POSTs to the tool's redirect URI."""
        return {"id_token": self.sign(nonce), "state": state}


def make_message(claims: dict[str, Any], key: SigningKey, *, lifetime: int,
                 overrides: Mapping[str, Any], remove: Iterable[str],
                 header: Mapping[str, Any] | None, sign_with: SigningKey | None,
                 alg: str, tamper: Tamper, login_hint: str) -> Message:
    """A message from a builder's claims and a test's changes to them."""
    claims.setdefault("nonce", uuid.uuid4().hex)
    now = int(time.time())
    claims.setdefault("iat", now)
    claims.setdefault("exp", now + lifetime)
    removed = tuple(remove)
    final = apply_overrides(claims, overrides, removed)
    auto = AUTO_FIELDS - set(overrides) - {path for path in removed if path in AUTO_FIELDS}
    return Message(claims=final, key=sign_with or key, lifetime=lifetime,
                   header=dict(header or {}), alg=alg, tamper=tamper, auto=frozenset(auto),
                   login_hint=login_hint)


@dataclass
class PendingLogin:
    """A login the platform started: the message it will send and who it is for."""

    message: Message
    login_hint: str
    params: dict[str, str]
    used: bool = False


@dataclass
class FormPost:
    """An auto-submitted HTML form: where it posts and what."""

    action: str
    fields: dict[str, str]
