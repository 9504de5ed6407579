"""LTI models: who the platforms are, and what their launches name."""

from lti.models.launches import (
    LaunchFailure,
    LaunchSession,
    LineItem,
    LmsContext,
    LmsUser,
    Membership,
    OidcState,
    ResourceLink,
    ResourceLinkUser,
)
from lti.models.progress import ModuleProgress, OutgoingScore, ScoreState
from lti.models.registrations import (
    Deployment,
    KeyStatus,
    Partner,
    PartnerKind,
    Registration,
    RegistrationInvitation,
    ToolKey,
)

__all__ = [
    "Deployment", "KeyStatus", "LaunchFailure", "LaunchSession", "LineItem", "LmsContext",
    "LmsUser", "Membership", "ModuleProgress", "OidcState", "OutgoingScore", "Partner",
    "PartnerKind", "Registration", "RegistrationInvitation", "ResourceLink", "ResourceLinkUser",
    "ScoreState", "ToolKey",
]
