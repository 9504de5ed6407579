"""The messages the demo LMS exchanges with the tool: the OIDC authorization request it checks,
and the id_tokens it signs, shaped like Moodle 4.5's."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from lti import claims as c
from lti.demo_lms.errors import DemoLmsRefused
from lti.demo_lms.models import DemoPlacedLink
from lti.demo_lms.platform import (
    AGS_SCOPES,
    CLIENT_ID,
    COURSE_ID,
    COURSE_LABEL,
    COURSE_TITLE,
    DEPLOYMENT_ID,
    PRODUCT_FAMILY,
    USERS,
    DemoUrls,
    DemoUser,
)
from lti.urls import ToolUrls

#: Moodle's id_tokens live 60 s; without JavaScript a person clicks "Continue", so allow more.
ID_TOKEN_LIFETIME = 300
MAX_PARAM_LENGTH = 2048
LIS = "https://purl.imsglobal.org/spec/lti/claim/lis"
EXT = "https://purl.imsglobal.org/spec/lti/claim/ext"


@dataclass(frozen=True)
class AuthRequest:
    """A checked OIDC authorization request: who launches what, and where to post it."""

    user: DemoUser
    redirect_uri: str
    state: str
    nonce: str
    link: DemoPlacedLink | None  # None: a Deep Linking request


def message_hint(link: DemoPlacedLink | None) -> str:
    """The ``lti_message_hint`` of a launch button (a JSON string, as Moodle's)."""
    return json.dumps({"cmid": link.id} if link else {"deep_linking": True})


def _param(params: Mapping[str, str], name: str) -> str:
    value = params.get(name) or ""
    if not value or len(value) > MAX_PARAM_LENGTH:
        raise DemoLmsRefused(f"The authorization request's '{name}' is missing or too long.",
                             {"hint": "Start the launch again from the demo course."})
    return value


def _expect(params: Mapping[str, str], name: str, expected: str) -> None:
    if params.get(name) != expected:
        raise DemoLmsRefused(f"The authorization request's '{name}' must be '{expected}' "
                             f"(it is {params.get(name)!r}).",
                             {"hint": "The tool must follow the LTI 1.3 OIDC login."})


def check_auth_request(session: Session, params: Mapping[str, str], tool: ToolUrls
                       ) -> AuthRequest:
    """Check what the tool sent to the authorization endpoint (OIDC implicit flow, LTI 1.3)."""
    if "openid" not in (params.get("scope") or "").split():
        raise DemoLmsRefused("The authorization request's scope must include 'openid'.",
                             {"hint": "The tool must follow the LTI 1.3 OIDC login."})
    _expect(params, "response_type", "id_token")
    _expect(params, "response_mode", "form_post")
    _expect(params, "client_id", CLIENT_ID)
    if params.get("prompt") not in (None, "none"):
        _expect(params, "prompt", "none")
    redirect_uri = _param(params, "redirect_uri")
    if redirect_uri != tool.launch:
        raise DemoLmsRefused(f"The redirect_uri {redirect_uri} is not the tool's registered "
                             f"launch URL ({tool.launch}).",
                             {"hint": "Check the tool's BASE_URL setting."})
    state, nonce = _param(params, "state"), _param(params, "nonce")
    user = USERS.get(params.get("login_hint") or "")
    if user is None:
        raise DemoLmsRefused("The login_hint names nobody in the demo course.",
                             {"hint": "Start the launch again from the demo course."})
    return AuthRequest(user=user, redirect_uri=redirect_uri, state=state, nonce=nonce,
                       link=_hinted_link(session, params.get("lti_message_hint"), user))


def _hinted_link(session: Session, hint: str | None, user: DemoUser) -> DemoPlacedLink | None:
    try:
        data = json.loads(hint or "")
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise DemoLmsRefused("The lti_message_hint is not the one the demo course sent.",
                             {"hint": "Start the launch again from the demo course."})
    if data.get("deep_linking") is True:
        if not user.is_trainer:
            raise DemoLmsRefused(f"{user.name} is a learner: only trainers add content.",
                                 {"hint": "Use “Add content” as the trainer."})
        return None
    cmid = data.get("cmid")
    link = (session.get(DemoPlacedLink, cmid)
            if isinstance(cmid, int) and not isinstance(cmid, bool) else None)
    if link is None:
        raise DemoLmsRefused("The activity this launch names is not in the demo course.",
                             {"hint": "Reload the demo course and launch again."})
    return link


def id_token_claims(request: AuthRequest, urls: DemoUrls, tool: ToolUrls,
                    now: int | None = None) -> dict[str, Any]:
    """The claims of the id_token answering ``request``: a resource link launch, or a Deep
    Linking request when no link is named (shaped like Moodle 4.5's, see LTI.md)."""
    now = int(time.time()) if now is None else now
    user = request.user
    claims: dict[str, Any] = {
        "iss": urls.issuer, "aud": CLIENT_ID, "sub": user.sub, "iat": now,
        "exp": now + ID_TOKEN_LIFETIME, "nonce": request.nonce,
        "given_name": user.given_name, "family_name": user.family_name, "name": user.name,
        "email": user.email,
        c.DEPLOYMENT_ID: DEPLOYMENT_ID, c.VERSION: "1.3.0", c.ROLES: user.roles,
        c.CONTEXT: {"id": COURSE_ID, "label": COURSE_LABEL, "title": COURSE_TITLE,
                    "type": ["CourseSection"]},
        c.TOOL_PLATFORM: {"product_family_code": PRODUCT_FAMILY, "version": "1.0",
                          "guid": urlsplit(urls.issuer).netloc, "name": "GMG demo LMS",
                          "description": "The demo LMS built into the curriculum service"},
        c.LAUNCH_PRESENTATION: {"locale": "en", "document_target": "window",
                                "return_url": urls.course},
        LIS: {"person_sourcedid": "", "course_section_sourcedid": ""},
        EXT: {"user_username": user.username, "lms": PRODUCT_FAMILY},
        c.NRPS: {"context_memberships_url": urls.memberships, "service_versions": ["1.0", "2.0"]},
    }
    link = request.link
    if link is None:
        claims.update({
            c.MESSAGE_TYPE: c.DEEP_LINKING_REQUEST, c.TARGET_LINK_URI: tool.deep_linking,
            c.AGS_ENDPOINT: {"scope": AGS_SCOPES, "lineitems": urls.lineitems},
            c.DEEP_LINKING_SETTINGS: {
                "deep_link_return_url": urls.deep_linking_return,
                "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["frame", "iframe", "window"],
                "accept_multiple": True, "auto_create": False},
        })
        return claims
    ags: dict[str, Any] = {"scope": AGS_SCOPES, "lineitems": urls.lineitems}
    if link.graded:
        ags["lineitem"] = urls.lineitem(link.id)
    claims.update({
        c.MESSAGE_TYPE: c.RESOURCE_LINK_REQUEST, c.TARGET_LINK_URI: link.url or tool.launch,
        c.RESOURCE_LINK: {"id": str(link.id), "title": link.title,
                          "description": link.text or ""},
        c.AGS_ENDPOINT: ags,
    })
    if link.custom:
        claims[c.CUSTOM] = {str(k): str(v) for k, v in link.custom.items()}
    return claims
