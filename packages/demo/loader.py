"""Loading the demo curriculum, idempotently, through the same paths a user's data takes.

The inventory goes through the CSV importer as any user's file would; the packages and tracks
through the package services; the translations through the translations importer. Loading
twice changes nothing the second time.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from curriculum.accounts.models import User
from curriculum.inventory.importing import ImportReport, import_modules, read_csv
from curriculum.inventory.models import Module
from curriculum.inventory.reference import load_agencies, reference_agencies
from packages.models import Package, Track
from packages.services import create_package, get_package, publish_package, update_package
from packages.tracks import create_track
from packages.translations.files import import_translations, read_json


@dataclass
class DemoReport:
    """What loading the demo added."""

    agencies_added: int
    inventory: ImportReport
    packages_added: int
    versions_published: int
    tracks_added: int
    translations_added: int = 0


def demo_file(name: str) -> str:
    """The text of a bundled demo data file."""
    return resources.files("packages.demo").joinpath(f"data/{name}").read_text("utf-8")


def load_demo(session: Session, publisher: User | None = None,
              progress: Callable[[int], None] | None = None) -> DemoReport:
    """Load agencies, the inventory, the joint packages (published), the tracks and the
    translations."""
    agencies_added, _ = load_agencies(session, reference_agencies())
    warnings: list[str] = []
    rows = read_csv(demo_file("inventory.csv"), warnings)
    inventory = import_modules(session, rows, fmt="csv", warnings=warnings, progress=progress)
    titles = {row.record: row.values["title"] for row in rows}
    curriculum = json.loads(demo_file("curriculum.json"))
    packages_added = versions = 0
    for definition in curriculum["packages"]:
        if session.scalar(select(Package.id).where(Package.slug == definition["slug"])):
            continue
        versions += _add_package(session, definition, _module_slugs(session, titles), publisher)
        packages_added += 1
    tracks_added = 0
    for track in curriculum["tracks"]:
        if not session.scalar(select(Track.id).where(Track.slug == track["slug"])):
            create_track(session, track)
            tracks_added += 1
    # French and Spanish texts of one package and its modules; a language that has any
    # translation already (the demo's, or an editor's) is left as it is.
    translations = import_translations(session, read_json(demo_file("translations.json")),
                                       only_missing=True)
    return DemoReport(agencies_added, inventory, packages_added, versions, tracks_added,
                      translations.stored)


def _module_slugs(session: Session, titles: dict[int, str]) -> dict[int, str]:
    by_title = {m.title: m.slug for m in session.scalars(select(Module))}
    return {record: by_title[title] for record, title in titles.items()}


def _sections(definitions: list[dict[str, Any]], slugs: dict[int, str]) -> list[dict[str, Any]]:
    return [
        {"title": section["title"], "description": section.get("description"),
         "items": [{"module": slugs[item["row"]], "required": item.get("required", True),
                    "note": item.get("note")} for item in section["items"]]}
        for section in definitions
    ]


def _add_package(session: Session, definition: dict[str, Any], slugs: dict[int, str],
                 publisher: User | None) -> int:
    data = {key: definition[key] for key in (
        "slug", "title", "description", "audience", "agencies", "prerequisites",
        "learning_objectives", "completion_rule")}
    package = create_package(session, {**data,
                                       "sections": _sections(definition["sections"], slugs)})
    publish_package(session, package, definition["change_note"], publisher)
    published = 1
    later = definition.get("next_version")
    if later:
        sections = definition["sections"] + later["sections_append"]
        update_package(session, package, {"sections": _sections(sections, slugs)})
        publish_package(session, get_package(session, package.slug), later["change_note"],
                        publisher)
        published += 1
    return published
