"""The content of a package as one JSON document: what a version freezes and what readers see.

A published version stores exactly this document, so the API serves a version and the working
copy of a package in the same shape, and the difference of two versions is a difference of two
such documents.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from curriculum.inventory.models import Agency, Module
from packages.models import CompletionRule, Package

SNAPSHOT_FORMAT = 1


def agency_summary(agency: Agency) -> dict[str, Any]:
    """An agency as packages and modules refer to it."""
    return {"slug": agency.slug, "code": agency.code, "name": agency.name, "url": agency.url}


def module_snapshot(module: Module) -> dict[str, Any]:
    """Everything a learner or a syllabus needs of a module, frozen as it is now."""
    return {
        "slug": module.slug,
        "title": module.title,
        "kind": module.kind.value if module.kind else None,
        "summary": module.summary,
        "learning_objectives": list(module.learning_objectives or []),
        "owner_agency": agency_summary(module.owner_agency),
        "partner_agencies": [agency_summary(a) for a in module.partner_agencies],
        "themes": [{"slug": t.slug, "name": t.name} for t in module.themes],
        "audience": module.audience,
        "level": module.level,
        "languages": module.languages,
        "duration_minutes": module.duration_minutes,
        "delivery_mode": module.delivery_mode,
        "year_first_offered": module.year_first_offered,
        "url": module.url,
        "content_html": module.content_html,
        "licence": module.licence,
        "completed_when": module.completed_when,
        "sources": list(module.sources or []),
        "retired": module.is_retired,
    }


def completion_rule_of(package: Package) -> dict[str, Any]:
    """The completion rule as a document."""
    if package.completion_rule is CompletionRule.AT_LEAST:
        return {"kind": CompletionRule.AT_LEAST.value, "count": package.completion_min_count}
    return {"kind": CompletionRule.ALL_REQUIRED.value, "count": None}


def duration_summary(sections: list[dict[str, Any]]) -> dict[str, Any]:
    """Total and required durations from the items' modules; unknown durations are counted."""
    total = required = unknown = 0
    for section in sections:
        for item in section["items"]:
            minutes = item["module"]["duration_minutes"]
            if minutes is None:
                unknown += 1
                continue
            total += minutes
            if item["required"]:
                required += minutes
    return {"total_minutes": total, "required_minutes": required,
            "modules_without_duration": unknown}


def package_snapshot(package: Package) -> dict[str, Any]:
    """The package's current content, its modules' content included."""
    sections = [
        {
            "title": section.title,
            "description": section.description,
            "items": [
                {"required": item.required, "note": item.note,
                 "module": module_snapshot(item.module)}
                for item in section.items
            ],
        }
        for section in package.sections
    ]
    agencies = {a.code: a for a in package.agencies}
    for section in package.sections:
        for item in section.items:
            for agency in (item.module.owner_agency, *item.module.partner_agencies):
                agencies.setdefault(agency.code, agency)
    return {
        "format": SNAPSHOT_FORMAT,
        "slug": package.slug,
        "title": package.title,
        "description": package.description,
        "audience": package.audience,
        "prerequisites": list(package.prerequisites or []),
        "learning_objectives": list(package.learning_objectives or []),
        "co_convening_agencies": [agency_summary(a) for a in package.agencies],
        "agencies_involved": [agency_summary(a) for a in agencies.values()],
        "completion_rule": completion_rule_of(package),
        "sections": sections,
        "module_count": len(package.items),
        "required_module_count": sum(1 for item in package.items if item.required),
        "duration": duration_summary(sections),
    }


def content_hash(snapshot: dict[str, Any]) -> str:
    """A fingerprint of a snapshot's content (same content, same hash)."""
    canonical = json.dumps(snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def snapshot_items(snapshot: dict[str, Any]) -> list[tuple[int, int, dict[str, Any]]]:
    """Every item of a snapshot with its section and position."""
    return [
        (section_index, item_index, item)
        for section_index, section in enumerate(snapshot["sections"])
        for item_index, item in enumerate(section["items"])
    ]
