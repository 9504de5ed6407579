"""Access tokens for the platforms' services (AGS, NRPS): the OAuth2 client-credentials grant
with a signed JWT assertion (1EdTech Security Framework 1.0, section 4.1).

pylti1p3 2.0 re-reads the PEM key for every assertion (29 ms of CPU) and caches a token per
object whatever its ``expires_in``. Here the key is parsed once per process
(:func:`lti.keys.load_private_key`) and each token is kept, per registration and set of
scopes, until shortly before it expires; a service that answers 401 makes the caller
:func:`forget_token` and ask again.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import requests
from sqlalchemy.orm import Session

from lti.keys import sign
from lti.models import Registration
from lti.registrations import HTTP_TIMEOUT

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_LIFETIME = 300
#: A token is renewed this long before the platform says it expires.
RENEW_BEFORE = 60
#: Used when the platform does not say how long a token lives.
DEFAULT_LIFETIME = 3600
ANSWER_LIMIT = 500


class TokenRefused(Exception):
    """The platform's token endpoint refused, or could not be reached; ``status`` is its HTTP
    status (``None`` when it did not answer) and the message quotes its answer."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class _Token:
    value: str
    renew_at: float


#: By registration (its id, client id and token URL, so that a changed registration never
#: gets a token of its former self) and set of scopes.
_TokenKey = tuple[int, str, str | None, frozenset[str]]
_tokens: dict[_TokenKey, _Token] = {}
_lock = threading.Lock()


def access_token(session: Session, registration: Registration, scopes: Iterable[str],
                 *, http: requests.Session | None = None) -> str:
    """A bearer token of ``registration``'s platform for ``scopes``, from the cache while it
    is fresh, else from the platform's token endpoint."""
    key = (registration.id, registration.client_id, registration.auth_token_url,
           frozenset(scopes))
    with _lock:
        cached = _tokens.get(key)
    if cached is not None and time.monotonic() < cached.renew_at:
        return cached.value
    token = _request_token(session, registration, sorted(key[3]), http or requests.Session())
    with _lock:
        _tokens[key] = token
    return token.value


def forget_token(registration_id: int, scopes: Iterable[str] | None = None) -> None:
    """Drop the cached token(s) of a registration (after a 401, or a changed registration)."""
    with _lock:
        for key in [k for k in _tokens if k[0] == registration_id
                    and (scopes is None or k[3] == frozenset(scopes))]:
            del _tokens[key]


def client_assertion(session: Session, registration: Registration) -> str:
    """The JWT that authenticates this tool at the platform's token endpoint."""
    now = int(time.time())
    return sign(session, {
        "iss": registration.client_id, "sub": registration.client_id,
        "aud": registration.auth_token_url, "iat": now, "exp": now + ASSERTION_LIFETIME,
        "jti": uuid.uuid4().hex})


def _request_token(session: Session, registration: Registration, scopes: list[str],
                   http: requests.Session) -> _Token:
    url = registration.auth_token_url
    if not url:
        raise TokenRefused(f"No token URL is registered for {registration.issuer}: register "
                           "the platform's access token URL.")
    started = time.monotonic()
    try:
        answer = http.post(url, timeout=HTTP_TIMEOUT, allow_redirects=False, data={
            "grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": client_assertion(session, registration),
            "scope": " ".join(scopes)}, headers={"Accept": "application/json"})
    except requests.RequestException as error:
        raise TokenRefused(f"The token endpoint {url} could not be reached "
                           f"({type(error).__name__}).") from error
    if answer.status_code != 200:
        raise TokenRefused(f"The token endpoint {url} answered {answer.status_code}: "
                           f"{answer.text[:ANSWER_LIMIT]}", answer.status_code)
    try:
        body = answer.json()
        value = body["access_token"]
        expires_in = body.get("expires_in")
        lifetime = DEFAULT_LIFETIME if expires_in is None else int(expires_in)
    except (ValueError, KeyError, TypeError) as error:
        raise TokenRefused(f"The token endpoint {url} answered without an access token: "
                           f"{answer.text[:ANSWER_LIMIT]}", answer.status_code) from error
    if not isinstance(value, str) or not value:
        raise TokenRefused(f"The token endpoint {url} answered an empty access token.",
                           answer.status_code)
    renew_at = started + max(lifetime - RENEW_BEFORE, lifetime / 2)
    return _Token(value=value, renew_at=renew_at)
