"""Account operations: add users, issue and check API tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from curriculum.accounts.models import ApiToken, Role, User
from curriculum.db import utcnow
from curriculum.errors import Conflict, NotFound, ValidationFailed

TOKEN_PREFIX = "gmg_"


@dataclass(frozen=True)
class IssuedToken:
    """A freshly issued token: ``secret`` is shown to its owner once and never stored."""

    token: ApiToken
    secret: str


def hash_token(secret: str) -> str:
    """The stored form of a token (tokens are random, so a plain SHA-256 suffices)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def normalise_email(email: str) -> str:
    """An email address as it is stored and compared."""
    email = email.strip().lower()
    if "@" not in email or email.startswith("@") or email.endswith("@") or len(email) > 320:
        raise ValidationFailed(f"'{email}' is not an email address.", {"email": ["Not an email."]})
    return email


def create_user(session: Session, email: str, role: Role, name: str | None = None) -> User:
    """Add a user; the email must be new."""
    email = normalise_email(email)
    if session.scalar(select(func.count()).where(User.email == email)):
        raise Conflict(f"A user with the email '{email}' exists already.")
    user = User(email=email, role=role, name=name)
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, email: str) -> User:
    """The user with this email, or :class:`NotFound`."""
    user = session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        raise NotFound(f"No user has the email '{email}'.")
    return user


def issue_token(session: Session, user: User, name: str = "default") -> IssuedToken:
    """A new API token for ``user``."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name, token_hash=hash_token(secret),
                     token_prefix=secret[: len(TOKEN_PREFIX) + 6])
    session.add(token)
    session.flush()
    return IssuedToken(token=token, secret=secret)


def user_for_token(session: Session, secret: str) -> User | None:
    """The active user a valid, unrevoked token belongs to, else ``None``."""
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
    if token is None or token.revoked_at is not None or not token.user.is_active:
        return None
    return token.user


def revoke_tokens(session: Session, user: User) -> int:
    """Revoke every token of ``user``; returns how many were revoked."""
    tokens = session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ).all()
    for token in tokens:
        token.revoked_at = utcnow()
    session.flush()
    return len(tokens)
