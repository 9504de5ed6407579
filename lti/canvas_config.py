"""The JSON that Canvas's developer key form accepts ("Paste JSON"): the tool's URLs, scopes and
placements, so that a Canvas administrator copies one URL instead of seven fields."""

from __future__ import annotations

from typing import Any

from lti.tool_profile import (
    CANVAS_DEEP_LINKING_PLACEMENTS,
    DEEP_LINKING_LABEL,
    TOOL_DESCRIPTION,
    TOOL_ID,
    TOOL_NAME,
    TOOL_SCOPES,
    TRAINER_VIEW_LABEL,
    tool_domain,
)
from lti.urls import ToolUrls

CANVAS_PLATFORM = "canvas.instructure.com"


def canvas_placements(urls: ToolUrls) -> list[dict[str, Any]]:
    """Deep Linking in the content pickers, and the trainer view in the course navigation."""
    placements: list[dict[str, Any]] = [
        {"placement": placement, "message_type": "LtiDeepLinkingRequest",
         "target_link_uri": urls.deep_linking, "text": DEEP_LINKING_LABEL}
        for placement in CANVAS_DEEP_LINKING_PLACEMENTS
    ]
    placements.append({
        "placement": "course_navigation", "message_type": "LtiResourceLinkRequest",
        "target_link_uri": urls.launch, "text": TRAINER_VIEW_LABEL,
        # "admins" in a course means its teachers and the account's administrators.
        "visibility": "admins", "default": "enabled",
    })
    return placements


def canvas_developer_key(urls: ToolUrls) -> dict[str, Any]:
    """The developer key configuration (Canvas "LTI Key", method "Paste JSON")."""
    return {
        "title": TOOL_NAME,
        "description": TOOL_DESCRIPTION,
        "oidc_initiation_url": urls.login,
        "target_link_uri": urls.launch,
        "public_jwk_url": urls.jwks,
        "scopes": list(TOOL_SCOPES),
        "extensions": [{
            "platform": CANVAS_PLATFORM,
            "domain": tool_domain(urls.base),
            "tool_id": TOOL_ID,
            # Names and emails, so that trainers see who completed what.
            "privacy_level": "public",
            "settings": {"text": TOOL_NAME, "placements": canvas_placements(urls)},
        }],
        "custom_fields": {},
    }
