"""Read models: packages, versions and tracks as readers see them, in a fixed number of queries.

Anonymous readers see the newest published version of a package; signed-in editors see the
working copy (the draft) unless they ask for the published one.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from curriculum.errors import NotFound
from curriculum.inventory.models import Module
from curriculum.inventory.search import Page
from packages.models import Package, PackageItem, PackageSection, Track
from packages.services import (
    get_package,
    has_unpublished_changes,
    latest_version,
    package_loader,
    publish_problems,
)
from packages.snapshot import package_snapshot
from packages.tracks import latest_versions, list_tracks


def package_summary(snapshot: dict[str, Any], latest: int | None) -> dict[str, Any]:
    """The list entry of a package."""
    return {
        "slug": snapshot["slug"],
        "title": snapshot["title"],
        "description": snapshot["description"],
        "latest_version": latest,
        "co_convening_agencies": snapshot["co_convening_agencies"],
        "module_count": snapshot["module_count"],
        "duration": snapshot["duration"],
    }


def read_package(session: Session, slug: str, *, view: str) -> dict[str, Any]:
    """A package's detail: its draft (``view="draft"``) or its newest published version."""
    if view == "published":
        package = session.scalar(select(Package).where(Package.slug == slug))
        if package is None or not package.is_published:
            raise NotFound(f"No published package has the slug '{slug}'.")
        version = latest_version(session, package)
        assert version is not None
        return {**version.snapshot, "view": "published",
                "latest_version": package.latest_version_number, "revision": None,
                "has_unpublished_changes": None, "publish_problems": None}
    package = get_package(session, slug)
    snapshot = package_snapshot(package)
    return {**snapshot, "view": "draft", "latest_version": package.latest_version_number,
            "revision": package.revision,
            "has_unpublished_changes": has_unpublished_changes(session, package, snapshot),
            "publish_problems": publish_problems(package)}


def list_packages(session: Session, *, q: str | None = None, module: str | None = None,
                  status: str = "published", drafts_visible: bool = False, page: int = 1,
                  page_size: int = 20) -> Page:
    """One page of package summaries, by title."""
    statement = select(Package)
    if status == "published" or not drafts_visible:
        statement = statement.where(Package.latest_version_number.is_not(None))
    elif status == "draft":
        statement = statement.where(Package.latest_version_number.is_(None))
    for word in (q or "").casefold().split():
        statement = statement.where(func.lower(Package.title).contains(word, autoescape=True))
    if module:
        statement = statement.where(exists().where(
            PackageSection.package_id == Package.id,
            PackageItem.section_id == PackageSection.id,
            PackageItem.module_id == Module.id,
            Module.slug == module,
        ))
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    statement = statement.order_by(Package.title, Package.id).limit(page_size).offset(
        (page - 1) * page_size)
    if drafts_visible:
        packages = list(session.scalars(statement.options(*package_loader())))
        items = [package_summary(package_snapshot(p), p.latest_version_number)
                 for p in packages]
    else:
        packages = list(session.scalars(statement))
        versions = latest_versions(session, packages)
        items = [package_summary(versions[p.id].snapshot, p.latest_version_number)
                 for p in packages]
    return Page(items=items, page=page, page_size=page_size, total=total)


def track_body(track: Track, summaries: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """A track with the summaries of its packages' newest versions."""
    return {
        "slug": track.slug,
        "title": track.title,
        "description": track.description,
        "position": track.position,
        "packages": [summaries[p.id] for p in track.packages if p.id in summaries],
    }


def read_tracks(session: Session, tracks: list[Track] | None = None) -> list[dict[str, Any]]:
    """Tracks (every track by default) with their packages, in two queries plus one."""
    tracks = list_tracks(session) if tracks is None else tracks
    packages = [p for track in tracks for p in track.packages]
    versions = latest_versions(session, packages)
    summaries = {package_id: package_summary(version.snapshot, version.number)
                 for package_id, version in versions.items()}
    return [track_body(track, summaries) for track in tracks]
