"""A platform's state: identity, keys, the tool it knows, course, gradebook, tokens, requests."""

from __future__ import annotations

import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from .claims import ALL_SCOPES
from .failures import Failure, FailureQueues
from .keys import KidStyle, SigningKey, key_set, signing_key
from .messages import PendingLogin
from .model import AccessToken, Course, Grade, LineItem, Role, ScoreRecord, User

Handler = Callable[..., Response]

#: The methods each endpoint answers; others get 405 (so a misbuilt URL never looks like success).
METHODS: dict[str, tuple[str, ...]] = {
    "jwks": ("GET",), "auth": ("GET", "POST"), "token": ("POST",),
    "openid_configuration": ("GET",), "registration": ("POST",),
    "lineitems": ("GET", "POST"), "lineitem": ("GET", "PUT", "DELETE"), "scores": ("POST",),
    "results": ("GET",), "memberships": ("GET",), "deep_link_return": ("POST",),
    "launch_page": ("GET",),
}


@dataclass
class RecordedRequest:
    """A request a platform received, kept for assertions."""

    endpoint: str
    method: str
    url: str
    headers: dict[str, str]
    body: str


class PlatformCore:
    """Identity, keys, tool configuration and state shared by every flavour."""

    flavour: ClassVar[str] = ""
    kid_style: ClassVar[KidStyle] = "plain"
    #: ``(path under the site, endpoint name)`` pairs served by this flavour.
    rules: ClassVar[tuple[tuple[str, str], ...]] = ()
    id_token_lifetime: ClassVar[int] = 60
    handlers: ClassVar[dict[str, Handler]] = {}

    def __init__(self, base_url: str, slug: str, *, key_label: str | None = None,
                 client_id: str | None = None, deployment_id: str | None = None,
                 tool_jwks_url: str | None = None, tool_login_url: str | None = None,
                 tool_redirect_uris: Iterable[str] = (),
                 tool_target_link_uri: str | None = None) -> None:
        self.slug = slug
        self.site_url = f"{base_url}/{slug}"
        self.key_label = key_label or slug
        self.client_id = client_id or self.new_client_id()
        self.deployment_id = deployment_id or self.new_deployment_id()
        self.tool_jwks_url = tool_jwks_url
        self.tool_login_url = tool_login_url
        self.tool_redirect_uris = list(tool_redirect_uris)
        self.tool_target_link_uri = tool_target_link_uri
        self.tool_jwks: dict[str, Any] | None = None
        self.granted_scopes: set[str] = set(ALL_SCOPES)
        self.token_lifetime = 3600
        self.secret = secrets.token_bytes(32)
        self.lock = threading.RLock()
        self.url_map = Map([Rule(path, endpoint=name, methods=METHODS[name])
                            for path, name in self.rules])
        self._rotation = 0
        self.signing_key = self._key_for(0)
        self.published_keys: list[SigningKey] = [self.signing_key]
        self.course = self.default_course()
        self.line_items: dict[int, LineItem] = {}
        self.gradebook: dict[int, dict[str, Grade]] = {}
        self.scores_received: list[ScoreRecord] = []
        self.tokens: dict[str, AccessToken] = {}
        self.assertion_jtis: set[str] = set()
        self.failures = FailureQueues()
        self.hits: Counter[str] = Counter()
        self.requests: list[RecordedRequest] = []
        self.pending_logins: dict[str, PendingLogin] = {}
        self.launch_pages: dict[str, dict[str, str]] = {}
        self.deep_link_responses: list[Any] = []
        self.deep_link_errors: list[str] = []
        self.deep_link_nonces: set[str] = set()
        self.registrations: list[dict[str, Any]] = []
        #: Scopes the admin lets a Dynamic Registration have (Canvas admins can switch some off).
        self.registration_scopes: set[str] = set(ALL_SCOPES)
        self.registration_status = "active"
        self.used_registration_tokens: set[str] = set()

    # Flavour hooks -------------------------------------------------------------------------

    def new_client_id(self) -> str:
        """A client id shaped like this platform's."""
        raise NotImplementedError

    def new_deployment_id(self) -> str:
        """A deployment id shaped like this platform's."""
        raise NotImplementedError

    def default_course(self) -> Course:
        """The course with its members that launches come from."""
        raise NotImplementedError

    def new_user(self, role: Role, number: int) -> User:
        """A new course member with ``role``; ``number`` makes the person unique."""
        raise NotImplementedError

    # URLs ----------------------------------------------------------------------------------

    @property
    def issuer(self) -> str:
        """The ``iss`` of this platform's tokens."""
        return self.site_url

    def url(self, endpoint: str, **values: object) -> str:
        """The absolute URL of ``endpoint``; values not in the path go to the query."""
        return self.site_url + self.url_map.bind("simulator").build(endpoint, values)

    @property
    def jwks_url(self) -> str:
        """The platform's public key set."""
        return self.url("jwks")

    @property
    def auth_url(self) -> str:
        """The OIDC authorization endpoint."""
        return self.url("auth")

    @property
    def token_url(self) -> str:
        """The OAuth2 token endpoint (a client assertion's ``aud``, exactly)."""
        return self.url("token")

    @property
    def openid_configuration_url(self) -> str:
        """The Dynamic Registration configuration document."""
        return self.url("openid_configuration")

    @property
    def registration_endpoint(self) -> str:
        """Where a tool POSTs its client registration."""
        return self.url("registration")

    def configure_tool(self, *, jwks_url: str | None = None, login_url: str | None = None,
                       redirect_uris: Iterable[str] | None = None,
                       target_link_uri: str | None = None,
                       jwks: dict[str, Any] | None = None) -> None:
        """Tell the platform where the tool lives (as an admin would when adding it)."""
        self.tool_jwks_url = jwks_url or self.tool_jwks_url
        self.tool_login_url = login_url or self.tool_login_url
        if redirect_uris is not None:
            self.tool_redirect_uris = list(redirect_uris)
        self.tool_target_link_uri = target_link_uri or self.tool_target_link_uri
        self.tool_jwks = jwks if jwks is not None else self.tool_jwks

    @property
    def target_link_uri(self) -> str:
        """The default launch target: the configured one, else the first redirect URI."""
        if self.tool_target_link_uri:
            return self.tool_target_link_uri
        return self.tool_redirect_uris[0] if self.tool_redirect_uris else "http://tool.invalid/"

    # Keys ----------------------------------------------------------------------------------

    def _key_for(self, rotation: int) -> SigningKey:
        """The key used after ``rotation`` rotations (the session's, reused across tests)."""
        label = self.key_label if rotation == 0 else f"{self.key_label}/rotation-{rotation}"
        return signing_key(label, self.kid_style)

    def jwks(self) -> dict[str, Any]:
        """The key set the JWKS endpoint serves."""
        return key_set(*self.published_keys)

    def publish_next_key(self) -> SigningKey:
        """Publish the key the next rotation will sign with (Canvas publishes future keys)."""
        key = self._key_for(self._rotation + 1)
        if key not in self.published_keys:
            self.published_keys.append(key)
        return key

    def rotate_keys(self, *, keep_old: bool = True) -> SigningKey:
        """Sign with a new key from now on, publishing it and keeping or dropping the old ones."""
        self._rotation += 1
        self.signing_key = self._key_for(self._rotation)
        kept = [key for key in self.published_keys if keep_old and key != self.signing_key]
        self.published_keys = [*kept, self.signing_key]
        return self.signing_key

    @property
    def jwks_fetches(self) -> int:
        """How many times the JWKS was requested."""
        return self.hits["jwks"]

    @property
    def token_requests(self) -> int:
        """How many times the token endpoint was called."""
        return self.hits["token"]

    # People and gradebook ------------------------------------------------------------------

    @property
    def learner(self) -> User:
        """The course's first learner."""
        return self.course.first("learner")

    @property
    def instructor(self) -> User:
        """The course's first instructor."""
        return self.course.first("instructor")

    def add_members(self, count: int, role: Role = "learner") -> list[User]:
        """Enrol ``count`` new people with ``role`` (for NRPS paging)."""
        start = len(self.course.members)
        users = [self.new_user(role, start + index) for index in range(count)]
        self.course.members.extend(users)
        return users

    def add_line_item(self, label: str, score_maximum: float = 100, *,
                      resource_link_id: str | None = None, resource_id: str = "",
                      tag: str = "") -> LineItem:
        """Create a gradebook column, as the platform or a tool would."""
        with self.lock:
            item = LineItem(id=len(self.line_items) + 1, label=label,
                            score_maximum=score_maximum, resource_id=resource_id, tag=tag,
                            resource_link_id=resource_link_id)
            self.line_items[item.id] = item
            self.gradebook[item.id] = {}
            return item

    def ensure_line_item(self, resource_link_id: str, label: str) -> LineItem:
        """The line item of a graded resource link, created on first use."""
        for item in self.line_items.values():
            if item.resource_link_id == resource_link_id:
                return item
        return self.add_line_item(label, resource_link_id=resource_link_id)

    def grade(self, user: User | str, item: LineItem | int) -> Grade | None:
        """The grade the platform holds for ``user`` in ``item``."""
        sub = user.sub if isinstance(user, User) else user
        item_id = item.id if isinstance(item, LineItem) else item
        return self.gradebook.get(item_id, {}).get(sub)

    # Tokens --------------------------------------------------------------------------------

    def issue_access_token(self, scopes: Iterable[str] | None = None) -> str:
        """A valid access token for ``scopes`` (all granted ones by default), no assertion."""
        token = secrets.token_hex(16)
        granted = frozenset(self.granted_scopes if scopes is None else scopes)
        with self.lock:
            self.tokens[token] = AccessToken(token, granted, time.time() + self.token_lifetime)
        return token

    def expire_tokens(self) -> None:
        """Make every access token issued so far expired."""
        with self.lock:
            for token in self.tokens.values():
                token.expires_at = 0

    # Failures and dispatch -----------------------------------------------------------------

    def fail_next(self, endpoint: str, *failures: Failure) -> None:
        """Answer the next requests to ``endpoint`` with ``failures``, one each, in order."""
        self.failures.push(endpoint, *failures)

    def handle(self, request: Request, path: str) -> Response:
        """Answer a request for ``path`` (under the site): count it, fail it or serve it."""
        try:
            endpoint, values = self.url_map.bind("simulator").match(path, method=request.method)
        except HTTPException as error:
            return Response(error.description, status=error.code, mimetype="text/plain")
        body = request.get_data(as_text=True)
        with self.lock:
            self.hits[str(endpoint)] += 1
            self.requests.append(RecordedRequest(str(endpoint), request.method, request.url,
                                                 dict(request.headers), body))
        failure = self.failures.pop(str(endpoint))
        if failure is not None:
            answer = failure.serve(request.environ)
            if answer is not None:
                return answer
        return self.handlers[str(endpoint)](self, request, **values)
