"""Canvas as LTI.md describes it (from its source and captures): one issuer, many client ids."""

from __future__ import annotations

import itertools
import secrets
import time
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar

from werkzeug.wrappers import Response

from . import jose
from .ags import result_url
from .claims import (
    ALL_SCOPES,
    CANVAS_PLACEMENT,
    DL_SETTINGS,
    INSTITUTION,
    LTI,
    MEMBERSHIP,
    SYSTEM,
    TEACHING_ASSISTANT,
    TEST_USER,
)
from .messages import Message
from .model import Course, Grade, LineItem, Role, User
from .platform import LaunchSpec, Platform
from .registration import openid_configuration
from .responses import json_error, json_response

CANVAS_ISSUER = "https://canvas.instructure.com"
#: Canvas wraps several claims with these two empty fields.
NO_ERRORS: dict[str, Any] = {"validation_context": None, "errors": {"errors": {}}}
ROLES: dict[str, list[str]] = {
    "learner": [INSTITUTION + "Student", MEMBERSHIP + "Learner", SYSTEM + "User"],
    "instructor": [INSTITUTION + "Instructor", MEMBERSHIP + "Instructor", SYSTEM + "User"],
    "ta": [TEACHING_ASSISTANT, MEMBERSHIP + "Instructor", SYSTEM + "User"],
    "admin": [INSTITUTION + "Administrator", MEMBERSHIP + "Instructor", SYSTEM + "SysAdmin",
              SYSTEM + "User"],
    "test_user": [INSTITUTION + "Student", MEMBERSHIP + "Learner", SYSTEM + "User", TEST_USER],
    "mentor": [MEMBERSHIP + "Mentor", SYSTEM + "User"],
}
#: Deep Linking settings per placement: (accept_types, targets, accept_multiple, auto_create).
PLACEMENTS: dict[str, tuple[list[str], list[str], bool, bool]] = {
    "assignment_selection": (["ltiResourceLink"], ["iframe", "window"], False, False),
    "link_selection": (["ltiResourceLink"], ["iframe", "window"], True, False),
    "module_menu_modal": (["ltiResourceLink"], ["iframe", "window"], True, True),
    "editor_button": (["link", "file", "html", "ltiResourceLink", "image"],
                      ["embed", "iframe", "window"], True, False),
}
PEOPLE: list[tuple[str, str, Role]] = [
    ("Ines", "Teacher", "instructor"), ("Jonas", "Student", "learner"),
    ("Kemi", "Adeyemi", "learner"), ("Luis", "Ortega", "learner")]
_developer_keys = itertools.count(42)
_tool_ids = itertools.count(7)


class CanvasPlatform(Platform):
    """A hosted Canvas: issuer https://canvas.instructure.com, endpoints on the simulator."""

    flavour = "canvas"
    kid_style = "canvas"
    id_token_lifetime = 3600
    unknown_user_status = 422
    lineitem_created_status = 200
    members_page_cap = 50
    members_page_size = 10
    lineitems_page_size = 10
    rules: ClassVar[tuple[tuple[str, str], ...]] = (
        ("/api/lti/security/jwks", "jwks"),
        ("/api/lti/authorize_redirect", "auth"),
        ("/login/oauth2/token", "token"),
        ("/api/lti/security/openid-configuration", "openid_configuration"),
        ("/api/lti/registrations", "registration"),
        ("/api/lti/courses/<course_id>/line_items", "lineitems"),
        ("/api/lti/courses/<course_id>/line_items/<int:item_id>", "lineitem"),
        ("/api/lti/courses/<course_id>/line_items/<int:item_id>/scores", "scores"),
        ("/api/lti/courses/<course_id>/line_items/<int:item_id>/results", "results"),
        ("/api/lti/courses/<course_id>/names_and_roles", "memberships"),
        ("/courses/<course_id>/deep_linking_response", "deep_link_return"),
        ("/_simulator/launch", "launch_page"),
    )

    def __init__(self, base_url: str, slug: str, **kwargs: Any) -> None:
        super().__init__(base_url, slug, **kwargs)
        self.default_resource_link_id = str(uuid.uuid4())
        self.guid = secrets.token_hex(20)

    @property
    def issuer(self) -> str:
        """One issuer for every hosted Canvas."""
        return CANVAS_ISSUER

    def new_client_id(self) -> str:
        """A developer key id such as ``10000000000042``."""
        return str(10000000000000 + next(_developer_keys))

    def new_deployment_id(self) -> str:
        """``<tool id>:<40 hex>``."""
        return f"{next(_tool_ids)}:{secrets.token_hex(20)}"

    def default_course(self) -> Course:
        """Course 3 with a teacher and three students."""
        course = Course(id="3", label="GMG-101", title="Migration governance basics",
                        lti_context_id=secrets.token_hex(20))
        course.members = [self.new_user(role, number)
                          for number, (_, _, role) in enumerate(PEOPLE)]
        return course

    def new_user(self, role: Role, number: int) -> User:
        """A user with a UUID ``sub`` and a 40-hex LTI 1.1 id that is also the login hint."""
        given, family, _ = PEOPLE[number % len(PEOPLE)]
        legacy = secrets.token_hex(20)
        return User(sub=str(uuid.uuid4()), given_name=given, family_name=family,
                    email=f"{given.lower()}{number}@example.edu", username=f"user{number}",
                    login_hint=legacy, legacy_id=legacy, role=role,
                    sourced_id="$Person.sourcedId")

    def roles_for(self, role: Role) -> list[str]:
        """Institution and system roles besides the membership ones."""
        return list(ROLES[role])

    # Claims ----------------------------------------------------------------------------------

    def common_claims(self, spec: LaunchSpec, message_type: str) -> dict[str, Any]:
        """What every Canvas launch carries."""
        claims = self.base_claims(spec, message_type)
        claims["azp"] = self.client_id
        claims["locale"] = spec.user.locale
        claims[LTI + "custom"] = {name: str(value) for name, value in spec.custom.items()}
        claims[LTI + "lti11_legacy_user_id"] = spec.user.legacy_id
        claims[LTI + "lti1p1"] = {"user_id": spec.user.legacy_id, **NO_ERRORS}
        claims[LTI + "lis"] = {"person_sourcedid": "$Person.sourcedId",
                               "course_offering_sourcedid": "$CourseSection.sourcedId",
                               **NO_ERRORS}
        claims[LTI + "tool_platform"] = {"guid": f"{self.guid}:canvas-lms", "name": "GMG Canvas",
                                         "version": "cloud", "product_family_code": "canvas",
                                         **NO_ERRORS}
        claims[LTI + "launch_presentation"] = {
            "document_target": "iframe", "height": 400, "width": 800, "locale": spec.user.locale,
            "return_url": self.site_url + f"/courses/{self.course.id}/external_content/success/"
            "external_tool_redirect", **NO_ERRORS}
        claims[CANVAS_PLACEMENT] = spec.placement
        claims["errors"] = {"errors": {}}
        if spec.personal_data in ("all", "names"):
            claims["picture"] = self.site_url + "/images/messages/avatar-50.png"
        if LTI + "context" in claims:
            claims[LTI + "context"] |= {
                "type": ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"],
                **NO_ERRORS}
        return claims

    def resource_link_claims(self, spec: LaunchSpec) -> dict[str, Any]:
        """A resource link launch (AGS ``lineitem`` only for assignments)."""
        claims = self.common_claims(spec, "LtiResourceLinkRequest")
        claims[LTI + "resource_link"] = {"id": spec.resource_link_id, "description": None,
                                         "title": spec.resource_link_title, **NO_ERRORS}
        return claims

    def deep_linking_claims(self, spec: LaunchSpec, settings: dict[str, Any]) -> dict[str, Any]:
        """A Deep Linking request from a placement (link_selection unless told)."""
        claims = self.common_claims(spec, "LtiDeepLinkingRequest")
        claims[CANVAS_PLACEMENT] = spec.placement or "link_selection"
        claims[DL_SETTINGS] = settings
        return claims

    def deep_linking_settings(self, placement: str | None,
                              accept_multiple: bool | None) -> dict[str, Any]:
        """The placement's settings, with no ``data``, ``title`` or ``text``."""
        name = placement or "link_selection"
        types, targets, multiple, auto_create = PLACEMENTS[name]
        modal = {"modal": "true"} if name == "module_menu_modal" else {}
        return_url = self.url("deep_link_return", course_id=self.course.id, placement=name,
                              **modal)
        return {"accept_types": types, "accept_presentation_document_targets": targets,
                "accept_media_types": "application/vnd.ims.lti.v1.ltilink",
                "accept_multiple": multiple if accept_multiple is None else accept_multiple,
                "auto_create": auto_create, "deep_link_return_url": return_url, **NO_ERRORS}

    # Login -----------------------------------------------------------------------------------

    def new_message_hint(self, message: Message) -> str:
        """An opaque, short-lived, single-use JWT."""
        now = int(time.time())
        return jose.encode({"verifier": secrets.token_hex(32), "canvas_domain": "sso.canvaslms.com",
                            "context_type": "Course", "context_id": self.course.id,
                            "canvas_locale": "en", "include_storage_target": True,
                            "exp": now + 300}, None, alg="HS256", secret=self.secret)

    def login_params(self, message: Message, hint: str) -> dict[str, str]:
        """Canvas's login POST, with its environment and the platform storage target."""
        return {"iss": self.issuer, "login_hint": message.login_hint, "client_id": self.client_id,
                "lti_deployment_id": self.deployment_id,
                "target_link_uri": message.target_link_uri, "lti_message_hint": hint,
                "canvas_environment": "prod", "canvas_region": "us-east-1",
                "lti_storage_target": "post_message_forwarding"}

    # Services --------------------------------------------------------------------------------

    def lineitems_url(self) -> str:
        """``/api/lti/courses/{id}/line_items``."""
        return self.url("lineitems", course_id=self.course.id)

    def lineitem_url(self, item: LineItem) -> str:
        """``/api/lti/courses/{id}/line_items/{item}``."""
        return self.url("lineitem", course_id=self.course.id, item_id=item.id)

    def memberships_url(self) -> str:
        """``/api/lti/courses/{id}/names_and_roles``."""
        return self.url("memberships", course_id=self.course.id)

    def nrps_member(self, user: User) -> dict[str, Any]:
        """A member with full membership role URIs; status always Active."""
        roles = [role for role in ROLES[user.role] if role.startswith(MEMBERSHIP[:-1])]
        return {"status": "Active", "user_id": user.sub, "lti11_legacy_user_id": user.legacy_id,
                "roles": roles, **self.person_claims(user, self.personal_data)}

    def refuse_score(self, held: Grade | None, score: Mapping[str, Any],
                     timestamp: datetime) -> Response | None:
        """400 for a timestamp older than the last one."""
        if held is not None and timestamp < held.timestamp:
            return json_error(400, f"Provided timestamp of {score['timestamp']} before last "
                                   f"updated time of {held.timestamp.isoformat()}")
        return None

    def applies_score(self, grading_progress: str) -> bool:
        """Canvas keeps ``scoreGiven`` only when FullyGraded or PendingManual."""
        return grading_progress in ("FullyGraded", "PendingManual")

    def score_answer(self, item: LineItem, user: User) -> Response:
        """``{"resultUrl": ...}``."""
        return json_response({"resultUrl": result_url(self, item, user.sub)})

    # Dynamic Registration --------------------------------------------------------------------

    def platform_configuration(self) -> dict[str, Any]:
        """``/api/lti/security/openid-configuration``."""
        placements = ["link_selection", "assignment_selection", "module_menu_modal",
                      "course_navigation", "editor_button"]
        product = {"product_family_code": "canvas", "version": "OpenSource",
                   "messages_supported": [
                       {"type": "LtiResourceLinkRequest", "placements": placements},
                       {"type": "LtiDeepLinkingRequest", "placements": placements}],
                   "variables": ["ResourceLink.id", "Context.id", "Person.name.full",
                                 "Person.email.primary", "Canvas.course.id", "Canvas.user.id",
                                 "com.instructure.Person.pronouns"],
                   "https://canvas.instructure.com/lti/account_name": "GMG",
                   "https://canvas.instructure.com/lti/account_lti_guid": self.guid}
        scopes = [*ALL_SCOPES, "https://canvas.instructure.com/lti/public_jwk/scope/update"]
        return openid_configuration(
            self, product=product, scopes=scopes,
            claims=["sub", "picture", "email", "name", "given_name", "family_name", "locale"])

    def new_registration_token(self) -> str:
        """A JWT signed with Canvas's own secret, valid one hour."""
        return jose.encode({"uuid": str(uuid.uuid4()), "initiated_at": int(time.time()),
                            "user_id": "1", "root_account_global_id": "10000000000001",
                            "exp": int(time.time()) + 3600}, None, alg="HS256",
                           secret=self.secret)

    def registration_token_id(self, token: str) -> str:
        """The token's ``uuid`` once its signature and expiry check out."""
        return str(jose.verify_hs256(token, self.secret)["uuid"])
