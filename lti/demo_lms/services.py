"""The demo LMS's grade services: an OAuth2 token endpoint (client credentials with the tool's
signed assertion, checked against the tool's own key set) and AGS line items and scores, so
that the tool's worker delivers scores to the demo gradebook exactly as to Moodle."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import jwt
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from curriculum.db import utcnow
from lti.demo_lms.models import DemoPlacedLink, DemoScore
from lti.demo_lms.platform import AGS_SCOPES, CLIENT_ID, USERS, DemoUrls
from lti.keys import jwks

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
TOKEN_LIFETIME = 3600
SCORE_SCOPE = AGS_SCOPES[3]
LINEITEM_SCOPE = AGS_SCOPES[0]


@dataclass(frozen=True)
class ServiceRefusal(Exception):
    """A refused service request: status and the JSON body that says why."""

    status: int
    body: dict[str, Any]


def _oauth_error(status: int, error: str, description: str) -> ServiceRefusal:
    return ServiceRefusal(status, {"error": error, "error_description": description})


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt="demo-lms-access-token")


def issue_token(session: Session, form: dict[str, str], urls: DemoUrls,
                secret: str) -> dict[str, Any]:
    """Check a client-credentials request and its assertion; the token answer."""
    if form.get("grant_type") != "client_credentials":
        raise _oauth_error(400, "unsupported_grant_type", "grant_type must be client_credentials")
    if form.get("client_assertion_type") != JWT_BEARER:
        raise _oauth_error(400, "invalid_request", f"client_assertion_type must be {JWT_BEARER}")
    assertion = form.get("client_assertion", "")
    try:
        kid = jwt.get_unverified_header(assertion).get("kid")
        keys = {key["kid"]: key for key in jwks(session)["keys"]}
        if kid not in keys:
            raise jwt.InvalidTokenError(f"unknown kid {kid!r}")
        claims = jwt.decode(assertion, jwt.PyJWK(keys[kid]).key, algorithms=["RS256"],
                            audience=urls.token, issuer=CLIENT_ID,
                            options={"require": ["iat", "exp", "jti", "sub"]})
    except jwt.PyJWTError as error:
        raise _oauth_error(401, "invalid_client", f"client assertion refused: {error}") from None
    if claims["sub"] != CLIENT_ID:
        raise _oauth_error(401, "invalid_client", "sub must be the client id")
    granted = [scope for scope in form.get("scope", "").split() if scope in AGS_SCOPES]
    if not granted:
        raise _oauth_error(400, "invalid_scope", "none of the scopes is granted")
    token = _serializer(secret).dumps({"scopes": granted})
    return {"access_token": token, "token_type": "Bearer", "expires_in": TOKEN_LIFETIME,
            "scope": " ".join(granted)}


def check_bearer(header: str, secret: str, scope: str) -> None:
    """A live token of this LMS with ``scope``, or a 401/403 refusal."""
    try:
        data = _serializer(secret).loads(header.removeprefix("Bearer ").strip(),
                                         max_age=TOKEN_LIFETIME)
    except BadSignature:
        raise ServiceRefusal(401, {"error": "access token unknown or expired"}) from None
    if scope not in data.get("scopes", []):
        raise ServiceRefusal(403, {"error": f"the token lacks the scope {scope}"})


def lineitem_json(link: DemoPlacedLink, urls: DemoUrls) -> dict[str, Any]:
    """A placed link's gradebook column as AGS shows it."""
    return {"id": urls.lineitem(link.id), "label": link.line_item_label or link.title,
            "scoreMaximum": link.score_maximum, "resourceId": link.resource_id or "",
            "tag": link.tag or "", "resourceLinkId": str(link.id)}


def graded_link(session: Session, link_id: int) -> DemoPlacedLink:
    """The placed link with a gradebook column ``link_id``, or 404."""
    link = session.get(DemoPlacedLink, link_id)
    if link is None or not link.graded:
        raise ServiceRefusal(404, {"error": "no such line item"})
    return link


def list_lineitems(session: Session, urls: DemoUrls, resource_link_id: str | None
                   ) -> list[dict[str, Any]]:
    """The course's columns (``resource_link_id`` filters)."""
    links = session.scalars(select(DemoPlacedLink).where(
        DemoPlacedLink.score_maximum.is_not(None)).order_by(DemoPlacedLink.id))
    return [lineitem_json(link, urls) for link in links
            if resource_link_id is None or str(link.id) == resource_link_id]


def create_lineitem(session: Session, urls: DemoUrls, body: Any) -> dict[str, Any]:
    """Give a placed link a gradebook column (the tool asks when a launch named none)."""
    if not isinstance(body, dict):
        raise ServiceRefusal(400, {"error": "the body is not a JSON object"})
    maximum, link_id = body.get("scoreMaximum"), str(body.get("resourceLinkId", ""))
    link = session.get(DemoPlacedLink, int(link_id)) if link_id.isdigit() else None
    if link is None:
        raise ServiceRefusal(400, {"error": "resourceLinkId names no activity of the course"})
    if not isinstance(maximum, int | float) or maximum <= 0:
        raise ServiceRefusal(400, {"error": "scoreMaximum must be a number above 0"})
    link.score_maximum = float(maximum)
    link.line_item_label = str(body.get("label") or link.title)[:500]
    session.flush()
    return lineitem_json(link, urls)


def record_score(session: Session, link: DemoPlacedLink, body: Any) -> None:
    """Keep a score unless the gradebook holds one as new (409, as Moodle answers)."""
    if not isinstance(body, dict):
        raise ServiceRefusal(400, {"error": "the body is not a JSON object"})
    for name in ("userId", "timestamp", "activityProgress", "gradingProgress"):
        if name not in body:
            raise ServiceRefusal(400, {"error": f"{name} is required"})
    user_id = str(body["userId"])
    if user_id not in USERS:
        raise ServiceRefusal(400, {"error": "the user is not in the course"})
    try:
        timestamp = datetime.fromisoformat(str(body["timestamp"]))
    except ValueError:
        raise ServiceRefusal(400, {"error": "timestamp must be ISO 8601"}) from None
    if timestamp.tzinfo is None:
        raise ServiceRefusal(400, {"error": "timestamp must have a time zone"})
    held = session.scalar(select(DemoScore).where(DemoScore.placed_link_id == link.id,
                                                  DemoScore.user_id == user_id)
                          .with_for_update())
    if held is not None and int(timestamp.timestamp()) <= int(held.timestamp.timestamp()):
        raise ServiceRefusal(409, {"error": "Refusing score with an earlier timestamp"})
    score = held or DemoScore(placed_link_id=link.id, user_id=user_id, timestamp=timestamp)
    given = body.get("scoreGiven") if body["gradingProgress"] == "FullyGraded" else None
    score.score_given = float(given) if isinstance(given, int | float) else None
    maximum = body.get("scoreMaximum")
    score.score_maximum = float(maximum) if isinstance(maximum, int | float) else None
    score.comment = str(body["comment"])[:2000] if body.get("comment") else None
    score.activity_progress = str(body["activityProgress"])[:40]
    score.grading_progress = str(body["gradingProgress"])[:40]
    score.timestamp = timestamp
    score.received_at = utcnow()
    session.add(score)
    session.flush()
