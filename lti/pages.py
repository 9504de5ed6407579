"""What a launched link shows: the package version (or the single module) it points at."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from lti.errors import bad_request
from lti.models import LaunchSession, ResourceLink, ResourceLinkUser
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


@dataclass(frozen=True)
class PlacedLink:
    """A link of the course in the trainer's course overview."""

    title: str
    package_title: str | None
    learners: int


def course_overview(session: Session, launch: LaunchSession) -> list[PlacedLink]:
    """Every link of the launch's course that opens a package, with how many learners opened
    it (two queries, whatever the number of links)."""
    if launch.context_id is None:
        return []
    links = session.scalars(
        select(ResourceLink).where(ResourceLink.context_id == launch.context_id,
                                   ResourceLink.package_id.is_not(None))
        .options(joinedload(ResourceLink.package)).order_by(ResourceLink.id)).all()
    rows = session.execute(
        select(ResourceLinkUser.resource_link_id, func.count())
        .where(ResourceLinkUser.resource_link_id.in_([link.id for link in links]),
               ResourceLinkUser.is_instructor.is_(False))
        .group_by(ResourceLinkUser.resource_link_id)).all()
    counts = {link_id: count for link_id, count in rows}
    return [PlacedLink(title=link.title or (link.package.title if link.package else "Link"),
                       package_title=link.package.title if link.package else None,
                       learners=counts.get(link.id, 0)) for link in links]
