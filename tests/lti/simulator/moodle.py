"""Moodle 4.5 LTS as LTI.md observed it: claims, URLs and gradebook rules."""

from __future__ import annotations

import hashlib
import json
import secrets
import string
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import urlsplit

from werkzeug.wrappers import Request, Response

from . import jose
from .claims import ALL_SCOPES, BASIC_OUTCOME, DL_SETTINGS, INSTITUTION, LTI, MEMBERSHIP, NRPS_CLAIM
from .claims import SYSTEM as SYSTEM_ROLE
from .messages import Message
from .model import MEMBERSHIP_ROLES, Course, Grade, LineItem, Role, User
from .platform import LaunchSpec, Platform
from .registration import openid_configuration
from .responses import json_error

MOODLE_VERSION = "2024100700"
MOODLE_RELEASE = "4.5 (Build: 20241007)"
PEOPLE = [("Ada", "Trainer"), ("Bea", "Learner"), ("Chidi", "Okafor"), ("Dana", "Novak"),
          ("Emil", "Haddad"), ("Fatou", "Diallo"), ("Goran", "Petrov"), ("Hana", "Sato")]


class MoodlePlatform(Platform):
    """A Moodle 4.5 site: issuer = wwwroot, 15-character client id, deployment id = type id."""

    flavour = "moodle"
    kid_style = "moodle"
    id_token_lifetime = 60
    lineitem_by_default = True
    unknown_user_status = 400
    lineitem_created_status = 201
    status_after_registration = "pending"
    rules: ClassVar[tuple[tuple[str, str], ...]] = (
        ("/mod/lti/certs.php", "jwks"),
        ("/mod/lti/auth.php", "auth"),
        ("/mod/lti/token.php", "token"),
        ("/mod/lti/openid-configuration.php", "openid_configuration"),
        ("/mod/lti/openid-registration.php", "registration"),
        ("/mod/lti/services.php/<course_id>/lineitems", "lineitems"),
        ("/mod/lti/services.php/<course_id>/lineitems/<int:item_id>/lineitem", "lineitem"),
        ("/mod/lti/services.php/<course_id>/lineitems/<int:item_id>/lineitem/scores", "scores"),
        ("/mod/lti/services.php/<course_id>/lineitems/<int:item_id>/lineitem/results",
         "results"),
        ("/mod/lti/services.php/CourseSection/<course_id>/bindings/<type_id>/memberships",
         "memberships"),
        ("/mod/lti/contentitem_return.php", "deep_link_return"),
        ("/_simulator/launch", "launch_page"),
    )
    cmid = 2

    @property
    def type_id(self) -> str:
        """The tool type's id: Moodle's deployment id, and the ``type_id`` of service URLs."""
        return self.deployment_id

    def new_client_id(self) -> str:
        """15 random letters and digits, as Moodle's ``random_string(15)``."""
        alphabet = string.ascii_letters + string.digits
        return "".join(secrets.choice(alphabet) for _ in range(15))

    def new_deployment_id(self) -> str:
        """The next tool type id: "1" for the first tool."""
        return str(int(getattr(self, "deployment_id", "0")) + 1)

    def default_course(self) -> Course:
        """Course 2 with a teacher (user 3) and two students (users 4 and 5)."""
        course = Course(id="2", label="GMG101", title="Migration governance basics")
        course.members = [self.new_user("instructor", 0), self.new_user("learner", 1),
                          self.new_user("learner", 2)]
        return course

    def new_user(self, role: Role, number: int) -> User:
        """Moodle user ``number + 3`` (ids 1 and 2 are the guest and the admin)."""
        given, family = PEOPLE[number % len(PEOPLE)]
        sub = str(number + 3)
        kind = "teacher" if role in ("instructor", "ta", "admin") else "student"
        return User(sub=sub, given_name=given, family_name=family, login_hint=sub,
                    email=f"{given.lower()}.{family.lower()}{sub}@example.org",
                    username=f"{kind}{sub}", role=role)

    def roles_for(self, role: Role) -> list[str]:
        """Moodle sends full membership URIs; site admins also institution and system roles."""
        if role == "admin":
            return [INSTITUTION + "Administrator", SYSTEM_ROLE + "Administrator",
                    MEMBERSHIP + "Instructor"]
        return [MEMBERSHIP + MEMBERSHIP_ROLES[role]]

    # Claims ----------------------------------------------------------------------------------

    def common_claims(self, spec: LaunchSpec, message_type: str) -> dict[str, Any]:
        """What every Moodle launch carries."""
        claims = self.base_claims(spec, message_type)
        names = spec.personal_data in ("all", "names")
        claims[LTI + "ext"] = {**({"user_username": spec.user.username} if names else {}),
                               "lms": "moodle-2"}
        claims[LTI + "lis"] = {"person_sourcedid": "", "course_section_sourcedid": ""}
        claims[LTI + "tool_platform"] = {
            "product_family_code": "moodle", "version": MOODLE_VERSION,
            "guid": urlsplit(self.site_url).hostname, "name": "GMG Moodle",
            "description": "GMG Moodle 4.5"}
        claims[LTI + "custom"] = dict(spec.custom)
        if LTI + "context" in claims:
            claims[LTI + "context"]["type"] = ["CourseSection"]
        if NRPS_CLAIM in claims:
            claims[NRPS_CLAIM]["service_versions"] = ["1.0", "2.0"]
            claims[LTI + "custom"]["context_memberships_url"] = self.memberships_url()
        return claims

    def resource_link_claims(self, spec: LaunchSpec) -> dict[str, Any]:
        """A resource link launch from a Moodle activity."""
        claims = self.common_claims(spec, "LtiResourceLinkRequest")
        claims[LTI + "resource_link"] = {"title": spec.resource_link_title, "description": "",
                                         "id": spec.resource_link_id}
        claims[LTI + "launch_presentation"] = {
            "locale": spec.user.locale, "document_target": "iframe",
            "return_url": self.site_url + "/mod/lti/return.php?course=" + self.course.id
            + f"&launch_container=3&instanceid={spec.resource_link_id}&sesskey=s1mUl4t0r"}
        if spec.lineitem is not None:
            data = {"instanceid": spec.resource_link_id, "userid": spec.user.sub,
                    "typeid": int(self.type_id), "launchid": secrets.token_hex(4)}
            sourcedid = {"data": data, "hash": hashlib.sha256(
                json.dumps(data).encode() + self.secret).hexdigest()}
            claims[BASIC_OUTCOME] = {"lis_result_sourcedid": json.dumps(sourcedid),
                                     "lis_outcome_service_url": self.site_url
                                     + "/mod/lti/service.php"}
        return claims

    def deep_linking_claims(self, spec: LaunchSpec, settings: dict[str, Any]) -> dict[str, Any]:
        """A Deep Linking request from "Select content": no resource_link, no lineitem."""
        claims = self.common_claims(spec, "LtiDeepLinkingRequest")
        claims[LTI + "launch_presentation"] = {"locale": spec.user.locale,
                                               "document_target": "iframe",
                                               "return_url": settings["deep_link_return_url"]}
        claims[DL_SETTINGS] = settings
        return claims

    def deep_linking_settings(self, placement: str | None,
                              accept_multiple: bool | None) -> dict[str, Any]:
        """Moodle's settings: resource links, several at once, no ``data``."""
        return_url = self.url("deep_link_return", course=self.course.id, id=self.type_id,
                              sesskey="s1mUl4t0r")
        return {"deep_link_return_url": return_url, "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["frame", "iframe", "window"],
                "accept_multiple": True if accept_multiple is None else accept_multiple,
                "auto_create": False}

    # Login -----------------------------------------------------------------------------------

    def new_message_hint(self, message: Message) -> str:
        """A JSON string naming the course module and the launch."""
        link = message.claims.get(LTI + "resource_link", {})
        link_id = link.get("id", "") if isinstance(link, dict) else ""
        launch = f"ltilaunch{link_id}_{secrets.randbelow(10**9)}"
        return json.dumps({"cmid": self.cmid, "launchid": launch}, separators=(",", ":"))

    def login_params(self, message: Message, hint: str) -> dict[str, str]:
        """The auto-submitted login POST of ``/mod/lti/launch.php``."""
        return {"iss": self.issuer, "target_link_uri": message.target_link_uri,
                "login_hint": message.login_hint, "lti_message_hint": hint,
                "client_id": self.client_id, "lti_deployment_id": self.deployment_id}

    # Services --------------------------------------------------------------------------------

    def lineitems_url(self) -> str:
        """``/mod/lti/services.php/{course}/lineitems?type_id=N``."""
        return self.url("lineitems", course_id=self.course.id, type_id=self.type_id)

    def lineitem_url(self, item: LineItem) -> str:
        """``.../lineitems/{id}/lineitem?type_id=N``: the query must be kept for ``/scores``."""
        return self.url("lineitem", course_id=self.course.id, item_id=item.id,
                        type_id=self.type_id)

    def memberships_url(self) -> str:
        """``/mod/lti/services.php/CourseSection/{course}/bindings/{type}/memberships``."""
        return self.url("memberships", course_id=self.course.id, type_id=self.type_id)

    def service_error(self, request: Request, values: Mapping[str, Any]) -> Response | None:
        """Moodle finds the tool by ``type_id``: without the right one the call fails."""
        type_id = values.get("type_id", request.args.get("type_id"))
        if type_id != self.type_id:
            return json_error(400, f"type_id {type_id!r} does not name this tool")
        return None

    def nrps_member(self, user: User) -> dict[str, Any]:
        """A member with roles in short form ("Learner")."""
        return {"status": "Active", "user_id": user.sub, "roles": [MEMBERSHIP_ROLES[user.role]],
                **self.person_claims(user, self.personal_data)}

    def refuse_score(self, held: Grade | None, score: Mapping[str, Any],
                     timestamp: datetime) -> Response | None:
        """409 unless the score's timestamp is in a later second than the grade held."""
        if held is not None and int(timestamp.timestamp()) <= int(held.timestamp.timestamp()):
            return json_error(409, "Refusing score with an earlier timestamp")
        return None

    def applies_score(self, grading_progress: str) -> bool:
        """Moodle takes ``scoreGiven`` into the gradebook only when FullyGraded."""
        return grading_progress == "FullyGraded"

    def score_answer(self, item: LineItem, user: User) -> Response:
        """200 with an empty body."""
        return Response(status=200)

    # Dynamic Registration --------------------------------------------------------------------

    def platform_configuration(self) -> dict[str, Any]:
        """``/mod/lti/openid-configuration.php``."""
        product = {"product_family_code": "moodle", "version": MOODLE_RELEASE,
                   "messages_supported": [{"type": "LtiResourceLinkRequest"},
                                          {"type": "LtiDeepLinkingRequest"}],
                   "variables": ["basic-lti-launch-request", "Context.id", "Context.title",
                                 "CourseSection.title", "Person.name.full",
                                 "Person.email.primary", "User.id", "User.username",
                                 "Membership.role", "ResourceLink.id",
                                 "ToolProxyBinding.memberships.url"]}
        return openid_configuration(
            self, product=product, scopes=list(ALL_SCOPES),
            claims=["sub", "iss", "name", "given_name", "family_name", "email"])

    def new_registration_token(self) -> str:
        """An RS256 JWT signed with the site's key: the new tool's client id as ``sub``."""
        now = int(time.time())
        return jose.encode({"sub": self.new_client_id(), "scope": "reg", "iat": now,
                            "exp": now + 3600}, self.signing_key)

    def registration_token_id(self, token: str) -> str:
        """The token's ``sub`` once its signature, expiry and scope check out."""
        claims = jose.verify_rs256(token, self.jwks(), audience=None)
        if claims.get("scope") != "reg" or not isinstance(claims.get("sub"), str):
            raise jose.JoseError("not a registration token")
        return str(claims["sub"])

    def registration_client_id(self, token_id: str) -> str:
        """Moodle gives the tool the client id it put in the registration token."""
        return token_id
