"""Package operations: assemble, update, validate and publish packages. They flush, never commit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, selectinload

from curriculum.accounts.models import User
from curriculum.db import utcnow
from curriculum.errors import Conflict, NotFound, ValidationFailed
from curriculum.inventory.models import Module
from curriculum.inventory.services import modules_by_slug, resolve_agency
from curriculum.text import unique_slug
from packages.diff import diff_snapshots
from packages.events import version_published
from packages.models import (
    CompletionRule,
    Package,
    PackageAgency,
    PackageItem,
    PackageSection,
    PackageVersion,
)
from packages.snapshot import content_hash, package_snapshot

SIMPLE_FIELDS = ("title", "description", "audience", "prerequisites", "learning_objectives")


def package_loader() -> list[Any]:
    """Eager-loading options that read a whole package in a fixed number of queries."""
    module = selectinload(Package.sections).selectinload(PackageSection.items).selectinload(
        PackageItem.module
    )
    return [
        selectinload(Package.agency_links),
        module.joinedload(Module.owner_agency),
        module.selectinload(Module.partner_links),
        module.selectinload(Module.theme_links),
        module.selectinload(Module.language_links),
        module.selectinload(Module.audience_links),
    ]


def get_package(session: Session, slug: str, *, published_only: bool = False) -> Package:
    """The package with this slug (with everything it contains), or :class:`NotFound`."""
    package = session.scalar(select(Package).where(Package.slug == slug).options(*package_loader()))
    if package is None or (published_only and not package.is_published):
        raise NotFound(f"No package has the slug '{slug}'.")
    return package


def create_package(session: Session, data: Mapping[str, Any]) -> Package:
    """Assemble a new draft package from existing modules."""
    if data.get("slug"):
        slug = data["slug"]
        if _package_slug_taken(session, slug):
            raise Conflict(f"Another package already has the slug '{slug}'.",
                           {"slug": [f"'{slug}' is already taken."]})
    else:
        slug = unique_slug(data["title"], lambda s: _package_slug_taken(session, s))
    package = Package(slug=slug, title=data["title"], sections=[], agency_links=[])
    session.add(package)
    _apply(session, package, {"prerequisites": [], "learning_objectives": [], **data})
    try:
        session.flush()
    except IntegrityError as error:
        raise Conflict(f"Another package already has the slug '{slug}'.") from error
    return package


def update_package(session: Session, package: Package, data: Mapping[str, Any]) -> Package:
    """Change a draft package; ``sections`` (when given) replaces the whole arrangement."""
    _apply(session, package, data)
    package.updated_at = utcnow()
    session.flush()
    return package


def publish_problems(package: Package) -> list[str]:
    """Why the package cannot be published now (empty when it can)."""
    problems = []
    items = package.items
    required = [item for item in items if item.required]
    if not required:
        problems.append("A package needs at least one required module before it can be "
                        "published: mark a module as required.")
    if package.completion_rule is CompletionRule.AT_LEAST:
        count = package.completion_min_count or 0
        if count > len(items):
            problems.append(f"The completion rule asks for at least {count} modules but the "
                            f"package has {len(items)}.")
    problems.extend(
        f"The module '{item.module.title}' ({item.module.slug}) is retired: remove it from "
        "the package or restore it in the inventory."
        for item in items if item.module.is_retired
    )
    return problems


def latest_version(session: Session, package: Package) -> PackageVersion | None:
    """The newest published version of a package."""
    if package.latest_version_number is None:
        return None
    return get_version(session, package, package.latest_version_number)


def get_version(session: Session, package: Package, number: int) -> PackageVersion:
    """Version ``number`` of a package, or :class:`NotFound`."""
    version = session.scalar(
        select(PackageVersion)
        .where(PackageVersion.package_id == package.id, PackageVersion.number == number)
        .options(joinedload(PackageVersion.published_by))
    )
    if version is None:
        raise NotFound(f"The package '{package.slug}' has no version {number}.")
    return version


def list_versions(session: Session, package: Package) -> list[PackageVersion]:
    """Every version of a package, newest first."""
    return list(session.scalars(
        select(PackageVersion).where(PackageVersion.package_id == package.id)
        .order_by(PackageVersion.number.desc()).options(joinedload(PackageVersion.published_by))
    ))


def publish_package(session: Session, package: Package, change_note: str,
                    publisher: User | None) -> PackageVersion:
    """Freeze the package and its modules' content as the next numbered version."""
    problems = publish_problems(package)
    if problems:
        raise ValidationFailed(problems[0], {"package": problems})
    snapshot = package_snapshot(package)
    fingerprint = content_hash(snapshot)
    previous = latest_version(session, package)
    if previous is not None and previous.content_hash == fingerprint:
        raise ValidationFailed(
            f"Nothing changed since version {previous.number}; there is nothing to publish.",
            {"package": [f"Identical to version {previous.number}."]},
        )
    number = (package.latest_version_number or 0) + 1
    version = PackageVersion(package=package, number=number, change_note=change_note.strip(),
                             snapshot=snapshot, content_hash=fingerprint, published_by=publisher)
    session.add(version)
    package.latest_version_number = number
    try:
        session.flush()
    except IntegrityError as error:
        raise Conflict(f"Version {number} of '{package.slug}' was just published by someone "
                       "else; reload and try again.") from error
    version_published.send(session, version=version)
    return version


def version_diff(session: Session, package: Package, old: int, new: int) -> dict[str, Any]:
    """The difference between two published versions."""
    diff = diff_snapshots(get_version(session, package, old).snapshot,
                          get_version(session, package, new).snapshot)
    return {"from": old, "to": new, **diff}


def unpublished_changes(session: Session, package: Package) -> dict[str, Any]:
    """The difference between the newest version and the working copy."""
    previous = latest_version(session, package)
    current = package_snapshot(package)
    base = previous.snapshot if previous else {**current, "sections": []}
    diff = diff_snapshots(base, current)
    return {"from": previous.number if previous else None, "to": "draft", **diff}


def has_unpublished_changes(session: Session, package: Package, snapshot: dict[str, Any]) -> bool:
    """Whether the working copy differs from the newest version."""
    previous = latest_version(session, package)
    return previous is None or previous.content_hash != content_hash(snapshot)


# Assembling -----------------------------------------------------------------------------


def _apply(session: Session, package: Package, data: Mapping[str, Any]) -> None:
    for field in SIMPLE_FIELDS:
        if field in data:
            setattr(package, field, data[field])
    if "agencies" in data:
        agencies = []
        for reference in data["agencies"]:
            agency = resolve_agency(session, reference, "agencies")
            if agency not in agencies:
                agencies.append(agency)
        existing = {link.agency_id: link for link in package.agency_links}
        package.agency_links = [
            existing.get(agency.id) or PackageAgency(agency=agency) for agency in agencies
        ]
        for position, link in enumerate(package.agency_links):
            link.position = position
    if "completion_rule" in data:
        rule = data["completion_rule"]
        package.completion_rule = CompletionRule(rule["kind"])
        package.completion_min_count = (
            rule.get("count") if package.completion_rule is CompletionRule.AT_LEAST else None
        )
    if "sections" in data:
        package.sections = _build_sections(session, package, data["sections"])


def _build_sections(session: Session, package: Package,
                    sections: list[Mapping[str, Any]]) -> list[PackageSection]:
    slugs = [item["module"] for section in sections for item in section.get("items", [])]
    modules = modules_by_slug(session, slugs)
    already_in_package = {item.module_id for item in package.items}
    errors: dict[str, list[str]] = {}
    seen: dict[str, str] = {}
    for s_index, section in enumerate(sections):
        for i_index, item in enumerate(section.get("items", [])):
            where = f"sections.{s_index}.items.{i_index}.module"
            slug = item["module"]
            module = modules.get(slug)
            if module is None:
                errors[where] = [f"No module has the slug '{slug}'."]
            elif slug in seen:
                errors[where] = [f"The module '{slug}' is already in the package at {seen[slug]}."]
            elif module.is_retired and module.id not in already_in_package:
                errors[where] = [f"The module '{slug}' is retired and cannot be added."]
            seen.setdefault(slug, where)
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationFailed(first, errors)
    return [
        PackageSection(
            position=s_index, title=section["title"], description=section.get("description"),
            items=[
                PackageItem(module=modules[item["module"]], position=i_index,
                            required=item.get("required", True), note=item.get("note"))
                for i_index, item in enumerate(section.get("items", []))
            ],
        )
        for s_index, section in enumerate(sections)
    ]


def _package_slug_taken(session: Session, slug: str) -> bool:
    return bool(session.scalar(select(func.count()).where(Package.slug == slug)))

