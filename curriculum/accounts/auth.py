"""Who is calling: bearer tokens on the API, and the role a view needs."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import g, request

from curriculum.accounts.models import Role, User
from curriculum.accounts.services import user_for_token
from curriculum.db import get_session
from curriculum.errors import Forbidden, Unauthorized

F = TypeVar("F", bound=Callable[..., Any])


def current_user() -> User | None:
    """The user the request's bearer token belongs to, or ``None`` when there is no token.

    A token that is present but invalid is an error, not an anonymous request.
    """
    if "current_user" not in g:
        header = request.headers.get("Authorization", "")
        user = None
        if header:
            scheme, _, secret = header.partition(" ")
            if scheme.lower() != "bearer" or not secret.strip():
                raise Unauthorized("Send the API token as 'Authorization: Bearer <token>'.")
            user = user_for_token(get_session(), secret.strip())
            if user is None:
                raise Unauthorized("The API token is not valid (unknown, revoked or inactive).")
        g.current_user = user
    found: User | None = g.current_user
    return found


def forget_current_user(_exc: BaseException | None = None) -> None:
    """Drop the cached caller at the end of a request."""
    g.pop("current_user", None)


def require_role(role: Role) -> Callable[[F], F]:
    """Let a view run only for users whose role includes ``role``."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None:
                raise Unauthorized("This needs an API token: 'Authorization: Bearer <token>'.")
            if not user.role.allows(role):
                raise Forbidden(f"This needs the {role.value} role; your role is "
                                f"{user.role.value}.")
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


def is_editor() -> bool:
    """Whether the caller may see drafts (any signed-in role)."""
    return current_user() is not None
