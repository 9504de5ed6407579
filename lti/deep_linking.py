"""Deep Linking: the content items a trainer picks, and the signed response the platform reads.

pylti1p3's ``DeepLinkResource`` and ``DeepLink`` build the items and the message; we sign it
with the tool's current key (loaded once per process) and leave out ``data`` when the
platform sent none (Moodle and Canvas send none).
"""

from __future__ import annotations

from typing import Any

from pylti1p3.deep_link import DeepLink
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.lineitem import LineItem
from pylti1p3.registration import Registration as PyltiRegistration
from sqlalchemy.orm import Session

from lti.errors import bad_request
from lti.keys import sign
from lti.models import LaunchSession

DEEP_LINKING_DATA = "https://purl.imsglobal.org/spec/lti-dl/claim/data"
SCORE_MAXIMUM = 100
TEXT_LIMIT = 500


class ContentItem(DeepLinkResource):
    """pylti1p3's resource link item, plus the ``text`` the spec allows (a description)."""

    def __init__(self, text: str | None = None) -> None:
        super().__init__()
        self.text = text

    def to_dict(self) -> dict[str, object]:
        """The item as the ``content_items`` claim lists it."""
        item: dict[str, object] = super().to_dict()
        if self.text:
            item["text"] = self.text[:TEXT_LIMIT]
        return item


def _resource(url: str, title: str, text: str | None, custom: dict[str, str],
              resource_id: str) -> DeepLinkResource:
    line_item = (LineItem().set_score_maximum(SCORE_MAXIMUM).set_label(title[:255])
                 .set_resource_id(resource_id[:255]).set_tag("completion"))
    return (ContentItem(text).set_url(url).set_title(title[:255])
            .set_custom_params(custom).set_lineitem(line_item))


def package_items(snapshot: dict[str, Any], version: int, *, choice: str, pin: bool,
                  launch_url: str, module: str | None = None) -> list[DeepLinkResource]:
    """The links a trainer chose, each with a gradebook column: the whole package
    (``choice="package"``), every module (``"modules"``), or one ``module``."""
    base = {"package": snapshot["slug"]}
    if pin:
        base["version"] = str(version)
    if choice == "package":
        return [_resource(launch_url, snapshot["title"], snapshot.get("description"), base,
                          snapshot["slug"])]
    modules = [item["module"] for section in snapshot["sections"] for item in section["items"]
               if choice == "modules" or item["module"]["slug"] == module]
    return [_resource(launch_url, m["title"], m.get("summary"), {**base, "module": m["slug"]},
                      f"{snapshot['slug']}:{m['slug']}") for m in modules]


def response_jwt(session: Session, launch: LaunchSession, items: list[DeepLinkResource]
                 ) -> str:
    """The signed ``LtiDeepLinkingResponse`` carrying ``items`` back to the platform."""
    settings = launch.deep_linking_settings or {}
    if not items:
        raise bad_request("nothing_chosen", "Choose a package or a module first.",
                          "Pick content in the list.")
    if len(items) > 1 and not _accepts_multiple(settings):
        raise bad_request("one_item_only", "This placement accepts a single link: choose the "
                          "whole package, or one module.", "Choose one item.")
    registration = (PyltiRegistration().set_issuer(launch.registration.issuer)
                    .set_client_id(launch.registration.client_id))
    message = DeepLink(registration, launch.deployment.deployment_id,
                       settings).get_message_jwt(items)  # type: ignore[arg-type]
    if "data" in settings:
        message[DEEP_LINKING_DATA] = settings["data"]
    else:
        message.pop(DEEP_LINKING_DATA, None)
    return sign(session, message)


def _accepts_multiple(settings: dict[str, Any]) -> bool:
    value = settings.get("accept_multiple", False)
    return value is True or str(value).lower() == "true"


def accepts_multiple(launch: LaunchSession) -> bool:
    """Whether the platform takes several links at once from this placement."""
    return _accepts_multiple(launch.deep_linking_settings or {})
