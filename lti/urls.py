"""The tool's own URLs, as an LMS administrator pastes them into a platform."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ToolUrls:
    """Every URL a platform needs to know about this tool."""

    base: str

    @property
    def login(self) -> str:
        """OIDC login initiation URL."""
        return f"{self.base}/lti/login"

    @property
    def launch(self) -> str:
        """Launch (redirect) URL; also the target of resource links."""
        return f"{self.base}/lti/launch"

    @property
    def deep_linking(self) -> str:
        """Deep Linking URL (the launch URL: the message type tells them apart)."""
        return f"{self.base}/lti/launch"

    @property
    def jwks(self) -> str:
        """The tool's public keys."""
        return f"{self.base}/lti/jwks.json"

    @property
    def canvas_config(self) -> str:
        """Canvas developer key JSON."""
        return f"{self.base}/lti/config.json"

    @property
    def registration(self) -> str:
        """Dynamic Registration endpoint (needs an invitation token)."""
        return f"{self.base}/lti/register"

    def as_dict(self) -> dict[str, str]:
        """All of them by name."""
        return {"login": self.login, "launch": self.launch, "deep_linking": self.deep_linking,
                "jwks": self.jwks, "canvas_config": self.canvas_config,
                "registration": self.registration}


def tool_urls(base_url: str) -> ToolUrls:
    """The URLs of the tool served at ``base_url``."""
    return ToolUrls(base_url.rstrip("/"))
