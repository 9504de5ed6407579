"""The standing curriculum: themed tracks of published packages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from curriculum.db import utcnow
from curriculum.errors import Conflict, NotFound, ValidationFailed
from curriculum.text import unique_slug
from packages.models import Package, PackageVersion, Track, TrackPackage


def list_tracks(session: Session) -> list[Track]:
    """Every track, in curriculum order."""
    return list(session.scalars(select(Track).order_by(Track.position, Track.title)))


def get_track(session: Session, slug: str) -> Track:
    """The track with this slug, or :class:`NotFound`."""
    track = session.scalar(select(Track).where(Track.slug == slug))
    if track is None:
        raise NotFound(f"No track has the slug '{slug}'.")
    return track


def create_track(session: Session, data: Mapping[str, Any]) -> Track:
    """Add a track to the curriculum (at the end unless a position is given)."""
    if data.get("slug"):
        slug = data["slug"]
        if _slug_taken(session, slug):
            raise Conflict(f"Another track already has the slug '{slug}'.",
                           {"slug": [f"'{slug}' is already taken."]})
    else:
        slug = unique_slug(data["title"], lambda s: _slug_taken(session, s))
    position = data.get("position")
    if position is None:
        position = (session.scalar(select(func.max(Track.position))) or 0) + 1
    track = Track(slug=slug, title=data["title"], description=data.get("description"),
                  position=position, package_links=[])
    session.add(track)
    if "packages" in data:
        track.package_links = _links(session, track, data["packages"])
    session.flush()
    return track


def update_track(session: Session, track: Track, data: Mapping[str, Any]) -> Track:
    """Change a track; ``packages`` (when given) replaces its list of packages."""
    for field in ("title", "description", "position"):
        if field in data and data[field] is not None:
            setattr(track, field, data[field])
    if "packages" in data:
        track.package_links = _links(session, track, data["packages"])
    track.updated_at = utcnow()
    session.flush()
    return track


def delete_track(session: Session, track: Track) -> None:
    """Remove a track (its packages stay)."""
    session.delete(track)
    session.flush()


def latest_versions(session: Session, packages: Sequence[Package]) -> dict[int, PackageVersion]:
    """The newest version of each published package, read in one query."""
    wanted = [(p.id, p.latest_version_number) for p in packages if p.is_published]
    if not wanted:
        return {}
    versions = session.scalars(
        select(PackageVersion)
        .join(Package, Package.id == PackageVersion.package_id)
        .where(Package.id.in_([package_id for package_id, _ in wanted]),
               PackageVersion.number == Package.latest_version_number)
    )
    return {version.package_id: version for version in versions}


def _links(session: Session, track: Track, slugs: Sequence[str]) -> list[TrackPackage]:
    packages = {p.slug: p for p in session.scalars(select(Package).where(Package.slug.in_(slugs)))}
    errors: dict[str, list[str]] = {}
    for index, slug in enumerate(slugs):
        package = packages.get(slug)
        if package is None:
            errors[f"packages.{index}"] = [f"No package has the slug '{slug}'."]
        elif not package.is_published:
            errors[f"packages.{index}"] = [
                f"The package '{slug}' has no published version yet; publish it first."]
        elif slugs.index(slug) != index:
            errors[f"packages.{index}"] = [f"The package '{slug}' is listed twice."]
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], errors)
    existing = {link.package_id: link for link in track.package_links}
    links = []
    for position, slug in enumerate(slugs):
        package = packages[slug]
        link = existing.get(package.id) or TrackPackage(package=package)
        link.position = position
        links.append(link)
    return links


def _slug_taken(session: Session, slug: str) -> bool:
    return bool(session.scalar(select(func.count()).where(Track.slug == slug)))
