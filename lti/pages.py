"""What a launched link shows: the package version (or the single module) it points at."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from lti.errors import bad_request
from lti.models import LaunchSession
from packages.services import get_version, latest_version
from packages.snapshot import snapshot_items


@dataclass(frozen=True)
class LaunchedContent:
    """A package version as a launch shows it, and the module when the link names one."""

    package: dict[str, Any]
    version: int
    pinned: bool
    module: dict[str, Any] | None


def launched_content(session: Session, launch: LaunchSession) -> LaunchedContent | None:
    """The content of the launch's link (``None`` for a launch without a placed link)."""
    link = launch.resource_link
    if link is None or link.package is None:
        return None
    version = (get_version(session, link.package, link.version_number)
               if link.version_number else latest_version(session, link.package))
    if version is None:
        raise bad_request("unpublished_package", "The package of this link has no published "
                          "version.", "Publish the package, or choose other content.")
    module = None
    if link.module_slug:
        module = next((item["module"] for _, _, item in snapshot_items(version.snapshot)
                       if item["module"]["slug"] == link.module_slug), None)
        if module is None:
            raise bad_request("module_not_in_version", f"Version {version.number} of this "
                              f"package has no module '{link.module_slug}'.",
                              "Choose the content again with Deep Linking.")
    return LaunchedContent(package=version.snapshot, version=version.number,
                           pinned=link.version_number is not None, module=module)
