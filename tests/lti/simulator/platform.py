"""The LMS a test talks to: builds signed messages, runs the OIDC login, checks what comes back."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

from . import ags, deep_linking, nrps, oidc, registration, token
from .claims import AGS_CLAIM, AGS_SCOPES, LTI, NRPS_CLAIM
from .core import Handler, PlatformCore
from .deep_linking import DeepLinkingResult
from .keys import SigningKey
from .messages import FormPost, Message, Tamper, make_message
from .model import Grade, LineItem, Role, User

PersonalData = Literal["all", "email", "names", "none"]


@dataclass
class LaunchSpec:
    """What a test asked a builder for, resolved: who, with which roles, which services."""

    user: User
    roles: list[str]
    target_link_uri: str
    resource_link_id: str
    resource_link_title: str
    custom: dict[str, Any]
    with_context: bool
    with_nrps: bool
    ags: dict[str, Any] | None
    lineitem: LineItem | None
    personal_data: PersonalData
    placement: str | None


class Platform(PlatformCore):
    """An LMS with a flavour ("moodle" or "canvas"); see ``MoodlePlatform``/``CanvasPlatform``."""

    handlers: ClassVar[dict[str, Handler]] = {
        "jwks": oidc.serve_jwks, "auth": oidc.serve_auth, "launch_page": oidc.serve_launch_page,
        "token": token.serve_token, "openid_configuration": registration.serve_configuration,
        "registration": registration.serve_registration, "lineitems": ags.serve_lineitems,
        "lineitem": ags.serve_lineitem, "scores": ags.serve_scores, "results": ags.serve_results,
        "memberships": nrps.serve_memberships, "deep_link_return": deep_linking.serve_return,
    }
    #: Whether a resource link launch carries a ``lineitem`` unless told otherwise.
    lineitem_by_default: ClassVar[bool] = False
    default_resource_link_id: str = "1"
    unknown_user_status: ClassVar[int] = 400
    lineitem_created_status: ClassVar[int] = 201
    #: Largest NRPS page the platform serves, whatever ``limit`` the tool asks for.
    members_page_cap: ClassVar[int | None] = None
    members_page_size: int = 50
    lineitems_page_size: int | None = None
    personal_data: PersonalData = "all"
    status_after_registration: ClassVar[str] = "active"

    # Flavour hooks (claims, URLs, rules) -----------------------------------------------------

    def roles_for(self, role: Role) -> list[str]:
        """The id_token roles this platform gives a person with ``role``."""
        raise NotImplementedError

    def resource_link_claims(self, spec: LaunchSpec) -> dict[str, Any]:
        """The claims of a resource link launch, as this LMS sends them."""
        raise NotImplementedError

    def deep_linking_claims(self, spec: LaunchSpec, settings: dict[str, Any]) -> dict[str, Any]:
        """The claims of a Deep Linking request, as this LMS sends them."""
        raise NotImplementedError

    def deep_linking_settings(self, placement: str | None,
                              accept_multiple: bool | None) -> dict[str, Any]:
        """The ``deep_linking_settings`` claim this LMS sends."""
        raise NotImplementedError

    def login_params(self, message: Message, hint: str) -> dict[str, str]:
        """The login initiation form this LMS POSTs to the tool."""
        raise NotImplementedError

    def new_message_hint(self, message: Message) -> str:
        """A fresh ``lti_message_hint`` naming the launch."""
        raise NotImplementedError

    def lineitems_url(self) -> str:
        """The course's line item container."""
        raise NotImplementedError

    def lineitem_url(self, item: LineItem) -> str:
        """One line item's URL (its AGS ``id``)."""
        raise NotImplementedError

    def memberships_url(self) -> str:
        """The course's NRPS membership container."""
        raise NotImplementedError

    def nrps_member(self, user: User) -> dict[str, Any]:
        """A member of the NRPS container."""
        raise NotImplementedError

    def service_error(self, request: Request, values: Mapping[str, Any]) -> Response | None:
        """A refusal of an AGS/NRPS request for flavour reasons (Moodle's ``type_id``)."""
        return None

    def refuse_score(self, held: Grade | None, score: Mapping[str, Any],
                     timestamp: Any) -> Response | None:
        """A refusal of a score the gradebook holds a newer one than."""
        raise NotImplementedError

    def applies_score(self, grading_progress: str) -> bool:
        """Whether ``scoreGiven`` counts with this ``gradingProgress``."""
        raise NotImplementedError

    def score_answer(self, item: LineItem, user: User) -> Response:
        """The answer to an accepted score."""
        raise NotImplementedError

    def platform_configuration(self) -> dict[str, Any]:
        """The OpenID configuration document of Dynamic Registration."""
        raise NotImplementedError

    def new_registration_token(self) -> str:
        """A ``registration_token`` for one Dynamic Registration."""
        raise NotImplementedError

    def registration_token_id(self, token: str) -> str:
        """The single-use id of a valid registration token (raises ``JoseError`` if invalid)."""
        raise NotImplementedError

    def registration_client_id(self, token_id: str) -> str:
        """The client id a Dynamic Registration gets."""
        return self.new_client_id()

    def activate_tool(self) -> None:
        """Activate a registered tool (Moodle keeps it pending until the admin does)."""
        self.registration_status = "active"

    # Message builders ------------------------------------------------------------------------

    def resource_link_launch(
        self, *, user: User | None = None, role: Role = "learner", roles: list[str] | None = None,
        resource_link_id: str | None = None, resource_link_title: str = "GMG training module",
        custom: Mapping[str, Any] | None = None, target_link_uri: str | None = None,
        with_ags: bool = True, lineitem: LineItem | bool | None = None, with_nrps: bool = True,
        with_context: bool = True, personal_data: PersonalData | None = None,
        placement: str | None = None, remove: Iterable[str] = (),
        header: Mapping[str, Any] | None = None, sign_with: SigningKey | PlatformCore | None = None,
        alg: str = "RS256", tamper: Tamper = None, **overrides: Any,
    ) -> Message:
        """An ``LtiResourceLinkRequest`` id_token; ``overrides``/``remove`` bend any claim."""
        link_id = resource_link_id or self.default_resource_link_id
        if lineitem is None:
            lineitem = self.lineitem_by_default
        item = lineitem if isinstance(lineitem, LineItem) else (
            self.ensure_line_item(link_id, resource_link_title) if lineitem else None)
        spec = self._spec(user, role, roles, target_link_uri, link_id, resource_link_title,
                          custom, with_context, with_nrps, with_ags, item, personal_data,
                          placement)
        return self._message(self.resource_link_claims(spec), spec.user, overrides, remove,
                             header, sign_with, alg, tamper)

    def deep_linking_request(
        self, *, user: User | None = None, role: Role = "instructor",
        roles: list[str] | None = None, accept_multiple: bool | None = None,
        placement: str | None = None, data: str | None = None,
        target_link_uri: str | None = None, custom: Mapping[str, Any] | None = None,
        with_ags: bool = True, with_nrps: bool = True, with_context: bool = True,
        personal_data: PersonalData | None = None, remove: Iterable[str] = (),
        header: Mapping[str, Any] | None = None, sign_with: SigningKey | PlatformCore | None = None,
        alg: str = "RS256", tamper: Tamper = None, **overrides: Any,
    ) -> Message:
        """An ``LtiDeepLinkingRequest`` id_token, its settings as the LMS (and placement) sets."""
        spec = self._spec(user, role, roles, target_link_uri, "", "", custom, with_context,
                          with_nrps, with_ags, None, personal_data, placement)
        settings = self.deep_linking_settings(placement, accept_multiple)
        if data is not None:
            settings["data"] = data
        return self._message(self.deep_linking_claims(spec, settings), spec.user, overrides,
                             remove, header, sign_with, alg, tamper)

    def _spec(self, user: User | None, role: Role, roles: list[str] | None,
              target_link_uri: str | None, resource_link_id: str, title: str,
              custom: Mapping[str, Any] | None, with_context: bool, with_nrps: bool,
              with_ags: bool, item: LineItem | None, personal_data: PersonalData | None,
              placement: str | None) -> LaunchSpec:
        """Resolve a builder's arguments against the course."""
        person = user or self._member(role)
        return LaunchSpec(
            user=person, roles=list(roles) if roles is not None else self.roles_for(person.role),
            target_link_uri=target_link_uri or self.target_link_uri,
            resource_link_id=resource_link_id, resource_link_title=title,
            custom=dict(custom or {}), with_context=with_context, with_nrps=with_nrps,
            ags=self.ags_claim(item) if with_ags and with_context else None, lineitem=item,
            personal_data=personal_data or self.personal_data, placement=placement)

    def _member(self, role: Role) -> User:
        """The course's first member with ``role``, enrolled now if there is none."""
        found = next((user for user in self.course.members if user.role == role), None)
        return found or self.add_members(1, role)[0]

    def _message(self, claims: dict[str, Any], user: User, overrides: Mapping[str, Any],
                 remove: Iterable[str], header: Mapping[str, Any] | None,
                 sign_with: SigningKey | PlatformCore | None, alg: str,
                 tamper: Tamper) -> Message:
        """Wrap builder claims and a test's changes into a ``Message``."""
        key = sign_with.signing_key if isinstance(sign_with, PlatformCore) else sign_with
        return make_message(claims, self.signing_key, lifetime=self.id_token_lifetime,
                            overrides=overrides, remove=remove, header=header, sign_with=key,
                            alg=alg, tamper=tamper, login_hint=user.login_hint)

    def base_claims(self, spec: LaunchSpec, message_type: str) -> dict[str, Any]:
        """Claims every launch has: who signs, for whom, about whom, in which course."""
        claims: dict[str, Any] = {
            "iss": self.issuer, "aud": self.client_id, "sub": spec.user.sub,
            LTI + "deployment_id": self.deployment_id, LTI + "version": "1.3.0",
            LTI + "message_type": message_type, LTI + "target_link_uri": spec.target_link_uri,
            LTI + "roles": spec.roles, **self.person_claims(spec.user, spec.personal_data),
        }
        if spec.with_context:
            claims[LTI + "context"] = self.context_claim()
        if spec.ags is not None:
            claims[AGS_CLAIM] = spec.ags
        if spec.with_nrps and spec.with_context:
            claims[NRPS_CLAIM] = {"context_memberships_url": self.memberships_url(),
                                  "service_versions": ["2.0"]}
        return claims

    def context_claim(self) -> dict[str, Any]:
        """The ``context`` claim of the course."""
        return {"id": self.course.context_id, "label": self.course.label,
                "title": self.course.title}

    def person_claims(self, user: User, personal_data: PersonalData) -> dict[str, Any]:
        """The OIDC profile claims the privacy setting lets through."""
        claims: dict[str, Any] = {}
        if personal_data in ("all", "names"):
            claims |= {"name": user.name, "given_name": user.given_name,
                       "family_name": user.family_name}
        if personal_data in ("all", "email"):
            claims["email"] = user.email
        return claims

    def ags_claim(self, item: LineItem | None) -> dict[str, Any] | None:
        """The AGS endpoint claim with the granted scopes (none granted: no claim)."""
        scopes = [scope for scope in AGS_SCOPES if scope in self.granted_scopes]
        if not scopes:
            return None
        claim: dict[str, Any] = {"scope": scopes, "lineitems": self.lineitems_url()}
        if item is not None:
            claim["lineitem"] = self.lineitem_url(item)
        return claim

    # The login, OIDC and what comes back -----------------------------------------------------

    def login_initiation_params(self, target: Message | str | None = None, *,
                                user: User | None = None, remove: Iterable[str] = (),
                                **overrides: str) -> dict[str, str]:
        """What the LMS POSTs to the tool's login URL, remembering the launch that follows."""
        return oidc.start_login(self, target, user, remove, overrides)

    def complete_oidc(self, auth_request: str | Mapping[str, str]) -> dict[str, str]:
        """Check the tool's authorization request (URL or params): the ``id_token``+``state``."""
        return oidc.authorize(self, auth_request).fields

    def oidc_form_post(self, auth_request: str | Mapping[str, str]) -> FormPost:
        """Like ``complete_oidc``, with the ``redirect_uri`` the form posts to."""
        return oidc.authorize(self, auth_request)

    def launch_page_url(self, target: Message | str | None = None, *,
                        user: User | None = None) -> str:
        """A simulator page that auto-POSTs the login initiation to the tool (for browsers)."""
        return oidc.launch_page_url(self, target, user)

    def verify_deep_linking_response(self, jwt: str, tool_jwks_url: str | None = None, *,
                                     expected_data: str | None = None) -> DeepLinkingResult:
        """Check a tool's ``LtiDeepLinkingResponse`` as the LMS would; return its items."""
        return deep_linking.verify(self, jwt, tool_jwks_url, expected_data)

    def registration_launch_url(self, tool_registration_url: str) -> str:
        """Where the admin's browser goes to start Dynamic Registration with the tool."""
        query = urlencode({"openid_configuration": self.openid_configuration_url,
                           "registration_token": self.new_registration_token()})
        separator = "&" if "?" in tool_registration_url else "?"
        return f"{tool_registration_url}{separator}{query}"
