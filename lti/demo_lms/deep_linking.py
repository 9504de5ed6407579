"""Reading the tool's Deep Linking response: verified against the tool's own key set (read from
the database, never fetched over HTTP from this same server), then placed in the course once."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import jwt
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti import claims as c
from lti.demo_lms.errors import DemoLmsRefused
from lti.demo_lms.models import DemoPlacedLink
from lti.demo_lms.platform import CLIENT_ID, DEPLOYMENT_ID, DemoUrls
from lti.keys import jwks

CONTENT_ITEMS = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"
DEEP_LINKING_RESPONSE = "LtiDeepLinkingResponse"
CLOCK_LEEWAY = timedelta(seconds=60)
MAX_JWT_LENGTH = 256 * 1024
HINT = {"hint": "Add the content again from the demo course."}


def verify_response(session: Session, token: str, urls: DemoUrls) -> dict[str, Any]:
    """The claims of the tool's ``LtiDeepLinkingResponse``, once signature, issuer (our client
    id), audience (our issuer), lifetime, deployment and message type are checked."""
    if not token or len(token) > MAX_JWT_LENGTH:
        raise DemoLmsRefused("The Deep Linking response has no JWT (or a far too long one).",
                             HINT)
    try:
        kid = jwt.get_unverified_header(token).get("kid")
    except jwt.PyJWTError as error:
        raise DemoLmsRefused("The Deep Linking response is not a JSON Web Token.", HINT
                             ) from error
    key = next((k for k in jwks(session)["keys"] if k.get("kid") == kid), None)
    if key is None:
        raise DemoLmsRefused(f"The Deep Linking response is signed with the key {kid!r}, "
                             "which the tool does not publish.", HINT)
    try:
        claims: dict[str, Any] = jwt.decode(
            token, jwt.PyJWK(key, "RS256"), algorithms=["RS256"], audience=urls.issuer,
            issuer=CLIENT_ID, leeway=CLOCK_LEEWAY,
            options={"require": ["exp", "iat", "iss", "aud", "nonce"]})
    except jwt.PyJWTError as error:
        raise DemoLmsRefused(f"The Deep Linking response is not valid: {error}.", HINT
                             ) from error
    if claims.get(c.MESSAGE_TYPE) != DEEP_LINKING_RESPONSE or claims.get(c.VERSION) != "1.3.0":
        raise DemoLmsRefused("The JWT is not an LTI 1.3.0 Deep Linking response.", HINT)
    if claims.get(c.DEPLOYMENT_ID) != DEPLOYMENT_ID:
        raise DemoLmsRefused("The Deep Linking response names another deployment.", HINT)
    return claims


def _text(value: Any, limit: int) -> str | None:
    return (value.strip()[:limit] or None) if isinstance(value, str) else None


def placed_link(item: Mapping[str, Any], nonce: str) -> DemoPlacedLink:
    """The course activity a content item describes (with its gradebook column, if any)."""
    custom = item.get("custom")
    custom = custom if isinstance(custom, dict) else {}
    link = DemoPlacedLink(
        title=_text(item.get("title"), 500) or "Untitled activity",
        text=_text(item.get("text"), 2000), url=_text(item.get("url"), 2000),
        custom={str(k)[:100]: str(v)[:1000] for k, v in list(custom.items())[:50]},
        response_nonce=nonce[:255])
    line_item = item.get("lineItem")
    if isinstance(line_item, dict):
        maximum = line_item.get("scoreMaximum")
        if not isinstance(maximum, (int, float)) or isinstance(maximum, bool) or maximum <= 0:
            raise DemoLmsRefused("A content item's lineItem has no positive scoreMaximum.",
                                 HINT)
        link.score_maximum = float(maximum)
        link.line_item_label = _text(line_item.get("label"), 500) or link.title
        link.resource_id = _text(line_item.get("resourceId"), 255)
        link.tag = _text(line_item.get("tag"), 255)
    return link


def place_links(session: Session, claims: Mapping[str, Any]) -> list[DemoPlacedLink]:
    """Add the resource links of a verified response to the course; the same response posted
    again (a reload, the back button) adds nothing and returns what it added the first time."""
    nonce = str(claims["nonce"])[:255]
    already = list(session.scalars(select(DemoPlacedLink).where(
        DemoPlacedLink.response_nonce == nonce).order_by(DemoPlacedLink.id)))
    if already:
        return already
    items = claims.get(CONTENT_ITEMS) or []
    if not isinstance(items, list):
        raise DemoLmsRefused("The Deep Linking response's content_items is not a list.", HINT)
    links = [placed_link(item, nonce) for item in items[:100]
             if isinstance(item, dict) and item.get("type") == "ltiResourceLink"]
    session.add_all(links)
    session.flush()
    return links
