"""Claim names and vocabularies of LTI 1.3, and the override/removal rules of the builders."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
BASIC_OUTCOME = "https://purl.imsglobal.org/spec/lti-bo/claim/basicoutcome"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
DL_SETTINGS = DL + "deep_linking_settings"
DL_CONTENT_ITEMS = DL + "content_items"
DL_DATA = DL + "data"
CANVAS_PLACEMENT = "https://www.instructure.com/placement"
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"

AGS_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/"
SCOPE_LINEITEM = AGS_SCOPE + "lineitem"
SCOPE_LINEITEM_READONLY = AGS_SCOPE + "lineitem.readonly"
SCOPE_RESULT_READONLY = AGS_SCOPE + "result.readonly"
SCOPE_SCORE = AGS_SCOPE + "score"
SCOPE_NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
AGS_SCOPES = (SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY, SCOPE_RESULT_READONLY, SCOPE_SCORE)
ALL_SCOPES = (*AGS_SCOPES, SCOPE_NRPS)

MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
INSTITUTION = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#"
SYSTEM = "http://purl.imsglobal.org/vocab/lis/v2/system/person#"
TEACHING_ASSISTANT = "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"
TEST_USER = "http://purl.imsglobal.org/vocab/lti/system/person#TestUser"

SCORE_MEDIA_TYPE = "application/vnd.ims.lis.v1.score+json"
LINEITEM_MEDIA_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
LINEITEMS_MEDIA_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
RESULTS_MEDIA_TYPE = "application/vnd.ims.lis.v2.resultcontainer+json"
MEMBERSHIPS_MEDIA_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

#: Short names a builder accepts for the long claim names (``remove=("roles",)``, ``version=``).
ALIASES: dict[str, str] = {
    **{name: LTI + name for name in (
        "message_type", "version", "deployment_id", "target_link_uri", "resource_link",
        "roles", "context", "tool_platform", "launch_presentation", "custom", "lis", "ext",
        "role_scope_mentor", "lti11_legacy_user_id", "lti1p1",
    )},
    "ags": AGS_CLAIM,
    "nrps": NRPS_CLAIM,
    "basicoutcome": BASIC_OUTCOME,
    "deep_linking_settings": DL_SETTINGS,
    "placement": CANVAS_PLACEMENT,
}


def claim_name(name: str) -> str:
    """The full claim name for a short alias (``roles``), or ``name`` itself."""
    return ALIASES.get(name, name)


def apply_overrides(claims: dict[str, Any], overrides: Mapping[str, Any],
                    remove: Iterable[str]) -> dict[str, Any]:
    """A copy of ``claims`` with ``overrides`` set and the ``remove`` paths taken out.

    Keys may be aliases; a removal path may be dotted (``resource_link.id``) to reach inside a
    claim. Overrides are applied before removals.
    """
    result = copy.deepcopy(claims)
    for name, value in overrides.items():
        result[claim_name(name)] = copy.deepcopy(value)
    for path in remove:
        _remove_path(result, path)
    return result


def _split_path(claims: Mapping[str, Any], path: str) -> list[str]:
    """A removal path as keys: the claim name (alias or full URI) then the nested keys."""
    if "://" in path:
        for name in sorted(claims, key=len, reverse=True):
            if path == name or path.startswith(name + "."):
                rest = path[len(name) + 1:]
                return [name, *(rest.split(".") if rest else [])]
        return [path]
    head, *nested = path.split(".")
    return [claim_name(head), *nested]


def _remove_path(claims: dict[str, Any], path: str) -> None:
    """Take the claim or nested field at ``path`` out of ``claims``, if it is there."""
    parts = _split_path(claims, path)
    target: Any = claims
    for part in parts[:-1]:
        target = target.get(part) if isinstance(target, dict) else None
    if isinstance(target, dict):
        target.pop(parts[-1], None)
