"""Deep Linking 2.0, platform side: verify the tool's response, take its content items."""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from .claims import DL, DL_CONTENT_ITEMS, DL_DATA, LTI
from .forms import error_page
from .jose import JoseError, fetch_jwks, verify_rs256

if TYPE_CHECKING:
    from .platform import Platform


class DeepLinkingError(Exception):
    """A Deep Linking response the platform refuses."""


@dataclass
class DeepLinkingResult:
    """A verified Deep Linking response."""

    content_items: list[dict[str, Any]]
    claims: dict[str, Any] = field(default_factory=dict)

    @property
    def data(self) -> Any:
        """The ``data`` the tool echoed back."""
        return self.claims.get(DL_DATA)

    def message(self, name: str) -> str | None:
        """``msg``, ``log``, ``errormsg`` or ``errorlog``, if the tool sent it."""
        value = self.claims.get(DL + name)
        return value if isinstance(value, str) else None


def tool_key_set(platform: Platform, jwks_url: str | None) -> dict[str, Any]:
    """The tool's key set: from ``jwks_url``, else as configured on the platform."""
    if jwks_url is None and platform.tool_jwks is not None:
        return platform.tool_jwks
    url = jwks_url or platform.tool_jwks_url
    if not url:
        raise JoseError("the platform knows no JWKS URL for the tool")
    return fetch_jwks(url)


def verify(platform: Platform, token: str, jwks_url: str | None,
           expected_data: str | None) -> DeepLinkingResult:
    """The content items of a valid response JWT; ``DeepLinkingError`` says what is wrong."""
    try:
        claims = verify_rs256(token, tool_key_set(platform, jwks_url),
                              audience=platform.issuer, issuer=platform.client_id)
    except JoseError as error:
        raise DeepLinkingError(str(error)) from None
    nonce = claims.get("nonce")
    if not isinstance(nonce, str) or not nonce:
        raise DeepLinkingError("nonce is missing")
    if platform.flavour == "canvas":
        with platform.lock:  # Canvas checks the nonce as a jti: a replay is refused
            if nonce in platform.deep_link_nonces:
                raise DeepLinkingError("nonce already used")
            platform.deep_link_nonces.add(nonce)
    expected = {LTI + "deployment_id": platform.deployment_id,
                LTI + "message_type": "LtiDeepLinkingResponse", LTI + "version": "1.3.0"}
    for name, value in expected.items():
        if claims.get(name) != value:
            raise DeepLinkingError(f"{name.removeprefix(LTI)} must be {value!r}, "
                                   f"not {claims.get(name)!r}")
    if expected_data is not None and claims.get(DL_DATA) != expected_data:
        raise DeepLinkingError("data was not echoed back")
    items = claims.get(DL_CONTENT_ITEMS, [])
    if not isinstance(items, list):
        raise DeepLinkingError("content_items must be a list")
    return DeepLinkingResult(content_items=items, claims=claims)


def serve_return(platform: Platform, request: Request, **values: Any) -> Response:
    """POST the deep_link_return_url with form field ``JWT``: keep the items, show them."""
    token = request.form.get("JWT", "")
    if not token:
        return error_page(400, "invalid_request", "form field JWT is missing")
    try:
        result = verify(platform, token, None, None)
    except DeepLinkingError as error:
        with platform.lock:
            platform.deep_link_errors.append(str(error))
        return error_page(400, "invalid_response", str(error))
    with platform.lock:
        platform.deep_link_responses.append(result)
    titles = "".join(f"<li>{escape(str(item.get('title', '')))}</li>"
                     for item in result.content_items)
    return Response(f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
                    f"<title>Content added</title></head><body><h1>Content added</h1>"
                    f"<ul>{titles}</ul></body></html>", mimetype="text/html")
