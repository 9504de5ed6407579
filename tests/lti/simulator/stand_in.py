"""A stand-in tool for testing the simulator itself (the real tool is tested against it)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests

from . import jose
from .claims import DL_CONTENT_ITEMS, JWT_BEARER, LTI, TOOL_CONFIGURATION
from .keys import SigningKey
from .platform import Platform


@dataclass
class StandInTool:
    """A tool reduced to a key served from a tiny JWKS endpoint and the requests it makes."""

    key: SigningKey
    jwks_url: str
    login_url: str = "https://tool.test/lti/login"
    redirect_uri: str = "https://tool.test/lti/launch"

    def configure(self, platform: Platform) -> None:
        """Register this tool's URLs on ``platform``."""
        platform.configure_tool(jwks_url=self.jwks_url, login_url=self.login_url,
                                redirect_uris=[self.redirect_uri])

    def auth_request(self, platform: Platform, login: Mapping[str, str], *,
                     nonce: str = "tool-nonce", state: str = "tool-state",
                     **overrides: str) -> dict[str, str]:
        """The authorization request a tool sends after a login initiation."""
        return {"scope": "openid", "response_type": "id_token", "response_mode": "form_post",
                "prompt": "none", "client_id": login["client_id"],
                "redirect_uri": self.redirect_uri, "login_hint": login["login_hint"],
                "lti_message_hint": login["lti_message_hint"], "state": state, "nonce": nonce,
                **overrides}

    def request_token(self, platform: Platform, scope: str, **claims: Any) -> requests.Response:
        """POST a client_credentials grant with a fresh assertion to the token endpoint."""
        assertion = jose.client_assertion(self.key, platform.client_id, platform.token_url,
                                          **claims)
        form = {"grant_type": "client_credentials", "client_assertion_type": JWT_BEARER,
                "client_assertion": assertion, "scope": scope}
        return requests.post(platform.token_url, data=form, timeout=10)

    def deep_linking_response(self, platform: Platform, items: list[dict[str, Any]],
                              **overrides: Any) -> str:
        """A signed ``LtiDeepLinkingResponse`` carrying ``items``."""
        now = int(time.time())
        claims = {"iss": platform.client_id, "aud": platform.issuer, "iat": now,
                  "exp": now + 300, "nonce": uuid.uuid4().hex,
                  LTI + "deployment_id": platform.deployment_id,
                  LTI + "message_type": "LtiDeepLinkingResponse", LTI + "version": "1.3.0",
                  DL_CONTENT_ITEMS: items, **overrides}
        return jose.encode(claims, self.key)

    def registration_body(self, **overrides: Any) -> dict[str, Any]:
        """A Dynamic Registration client body as a well-behaved tool sends it."""
        return {
            "application_type": "web", "response_types": ["id_token"],
            "grant_types": ["implicit", "client_credentials"],
            "initiate_login_uri": self.login_url, "redirect_uris": [self.redirect_uri],
            "client_name": "GMG curriculum", "jwks_uri": self.jwks_url,
            "token_endpoint_auth_method": "private_key_jwt",
            "scope": "https://purl.imsglobal.org/spec/lti-ags/scope/score",
            TOOL_CONFIGURATION: {
                "domain": "tool.test", "target_link_uri": "https://tool.test/lti/launch",
                "claims": ["iss", "sub", "name", "email"],
                "messages": [{"type": "LtiResourceLinkRequest"},
                             {"type": "LtiDeepLinkingRequest"}]},
            **overrides,
        }
