"""The OAuth2 token endpoint: client_credentials with a JWT client assertion (RFC 7523)."""

from __future__ import annotations

import json
import secrets
import time
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from .claims import JWT_BEARER
from .deep_linking import tool_key_set
from .jose import JoseError, verify_rs256
from .model import AccessToken

if TYPE_CHECKING:
    from .platform import Platform

#: How old a client assertion's ``iat`` may be (Canvas: 5 minutes).
MAX_ASSERTION_AGE = 300


class TokenError(Exception):
    """A refused token request: OAuth2 error code, description, HTTP status."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


def oauth_error(error: TokenError) -> Response:
    """The JSON error answer of RFC 6749 section 5.2."""
    body = {"error": error.error, "error_description": error.description}
    return Response(json.dumps(body), status=error.status, mimetype="application/json")


def check_request(form: dict[str, str]) -> None:
    """The form asks for a client_credentials grant with a JWT bearer assertion."""
    if form.get("grant_type") != "client_credentials":
        raise TokenError("unsupported_grant_type", "grant_type must be client_credentials")
    if form.get("client_assertion_type") != JWT_BEARER:
        raise TokenError("invalid_request", f"client_assertion_type must be {JWT_BEARER}")
    if not form.get("client_assertion"):
        raise TokenError("invalid_request", "client_assertion is missing")
    if not form.get("scope"):
        raise TokenError("invalid_request", "scope is missing")


def check_assertion(platform: Platform, assertion: str) -> None:
    """The assertion is signed by the tool's key and names this platform, fresh and unique."""
    try:
        jwks = tool_key_set(platform, None)
        claims = verify_rs256(assertion, jwks, audience=platform.token_url,
                              issuer=platform.client_id)
    except JoseError as error:
        raise TokenError("invalid_client", f"client assertion refused: {error}", 401) from None
    if claims.get("sub") != platform.client_id:
        raise TokenError("invalid_client", "sub must be the client id", 401)
    if time.time() - float(claims["iat"]) > MAX_ASSERTION_AGE:
        raise TokenError("invalid_grant", "the assertion's iat is more than 5 minutes old")
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti:
        raise TokenError("invalid_grant", "jti is missing")
    with platform.lock:
        if jti in platform.assertion_jtis:
            raise TokenError("invalid_grant", "jti already used")
        platform.assertion_jtis.add(jti)


def serve_token(platform: Platform, request: Request, **values: Any) -> Response:
    """POST the token endpoint: an access token for the granted part of the asked scope."""
    form = request.form.to_dict()
    try:
        check_request(form)
        check_assertion(platform, form["client_assertion"])
    except TokenError as error:
        return oauth_error(error)
    asked = form["scope"].split()
    granted = [scope for scope in asked if scope in platform.granted_scopes]
    if not granted:
        return oauth_error(TokenError("invalid_scope", "none of the scopes is granted"))
    token = secrets.token_urlsafe(24)
    with platform.lock:
        platform.tokens[token] = AccessToken(token, frozenset(granted),
                                             time.time() + platform.token_lifetime)
    body = {"access_token": token, "token_type": "Bearer",
            "expires_in": platform.token_lifetime, "scope": " ".join(granted)}
    return Response(json.dumps(body), mimetype="application/json")
