"""LTI claim names and the typed view of a validated id_token."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
MESSAGE_TYPE = LTI + "message_type"
VERSION = LTI + "version"
DEPLOYMENT_ID = LTI + "deployment_id"
TARGET_LINK_URI = LTI + "target_link_uri"
RESOURCE_LINK = LTI + "resource_link"
ROLES = LTI + "roles"
CONTEXT = LTI + "context"
CUSTOM = LTI + "custom"
LAUNCH_PRESENTATION = LTI + "launch_presentation"
TOOL_PLATFORM = LTI + "tool_platform"
DEEP_LINKING_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
AGS_ENDPOINT = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"

RESOURCE_LINK_REQUEST = "LtiResourceLinkRequest"
DEEP_LINKING_REQUEST = "LtiDeepLinkingRequest"
MESSAGE_TYPES = (RESOURCE_LINK_REQUEST, DEEP_LINKING_REQUEST)

MEMBERSHIP_ROLE = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
#: Roles that open the trainer view. Not ``Mentor``: Canvas gives it to observers (parents),
#: who must not see the list of learners.
INSTRUCTOR_ROLES = {"Instructor", "Administrator", "ContentDeveloper"}


def short_role(role: str) -> str:
    """``http://.../membership#Learner`` and ``Learner`` are both ``Learner``; a sub-role
    (``membership/Instructor#TeachingAssistant``) keeps its own name."""
    return role.rsplit("#", 1)[-1] if "#" in role else role.rsplit("/", 1)[-1]


def is_instructor(roles: list[str]) -> bool:
    """Whether the roles make someone a trainer of the context (membership roles only)."""
    for role in roles:
        if role.startswith(("http://purl.imsglobal.org/vocab/lis/v2/institution",
                            "http://purl.imsglobal.org/vocab/lis/v2/system")):
            continue
        if short_role(role) in INSTRUCTOR_ROLES or short_role(role) == "TeachingAssistant":
            return True
    return False


@dataclass(frozen=True)
class ValidatedLaunch:
    """An id_token that passed every check, with the registration it belongs to."""

    registration_id: int
    deployment_pk: int
    claims: dict[str, Any]

    def claim(self, name: str, default: Any = None) -> Any:
        """A claim by its full name."""
        return self.claims.get(name, default)

    @property
    def message_type(self) -> str:
        """``LtiResourceLinkRequest`` or ``LtiDeepLinkingRequest``."""
        return str(self.claims[MESSAGE_TYPE])

    @property
    def roles(self) -> list[str]:
        """The roles (possibly empty)."""
        return list(self.claims.get(ROLES) or [])

    def _object(self, name: str) -> dict[str, Any]:
        value = self.claims.get(name)
        return value if isinstance(value, dict) else {}

    @property
    def context(self) -> dict[str, Any]:
        """The context claim (empty when absent)."""
        return self._object(CONTEXT)

    @property
    def resource_link(self) -> dict[str, Any]:
        """The resource link claim (empty for deep linking)."""
        return self._object(RESOURCE_LINK)

    @property
    def custom(self) -> dict[str, Any]:
        """The custom parameters."""
        return self._object(CUSTOM)

    @property
    def presentation(self) -> dict[str, Any]:
        """The launch presentation claim."""
        return self._object(LAUNCH_PRESENTATION)

    @property
    def deep_linking_settings(self) -> dict[str, Any]:
        """The deep linking settings (deep linking requests only)."""
        return self._object(DEEP_LINKING_SETTINGS)
