"""The difference between two package snapshots, in the terms an editor reviews before
publishing."""

from __future__ import annotations

from typing import Any

from packages.snapshot import snapshot_items

PACKAGE_FIELDS = (
    "title", "description", "audience", "prerequisites", "learning_objectives",
    "co_convening_agencies", "completion_rule",
)
MODULE_FIELDS = (
    "title", "kind", "summary", "learning_objectives", "owner_agency", "partner_agencies",
    "themes", "audience", "level", "languages", "duration_minutes", "delivery_mode",
    "year_first_offered", "url", "content_html", "licence", "completed_when", "sources", "retired",
)

#: Fields added to module snapshots later, with the value older snapshots meant.
MODULE_FIELD_DEFAULTS = {"completed_when": "marked"}


def _field(module: dict[str, Any], field: str) -> Any:
    return module.get(field, MODULE_FIELD_DEFAULTS.get(field))


def diff_snapshots(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """What changed from ``old`` to ``new``: fields, sections, and modules added, removed,
    moved, re-flagged or changed in content."""
    fields = [
        {"field": name, "from": old.get(name), "to": new.get(name)}
        for name in PACKAGE_FIELDS
        if old.get(name) != new.get(name)
    ]
    old_sections = [s["title"] for s in old["sections"]]
    new_sections = [s["title"] for s in new["sections"]]
    old_items = {item["module"]["slug"]: (s, i, item) for s, i, item in snapshot_items(old)}
    new_items = {item["module"]["slug"]: (s, i, item) for s, i, item in snapshot_items(new)}

    def placed(slug: str, where: dict[str, tuple[int, int, dict[str, Any]]],
               sections: list[str]) -> dict[str, Any]:
        section_index, position, item = where[slug]
        return {"slug": slug, "title": item["module"]["title"],
                "section": sections[section_index], "position": position + 1,
                "required": item["required"]}

    added = [placed(slug, new_items, new_sections) for slug in new_items if slug not in old_items]
    removed = [placed(slug, old_items, old_sections)
               for slug in old_items if slug not in new_items]
    moved, requirement_changed, changed = [], [], []
    for slug in new_items.keys() & old_items.keys():
        before, after = placed(slug, old_items, old_sections), placed(slug, new_items, new_sections)
        if (before["section"], before["position"]) != (after["section"], after["position"]):
            moved.append({"slug": slug, "title": after["title"],
                          "from": {"section": before["section"], "position": before["position"]},
                          "to": {"section": after["section"], "position": after["position"]}})
        if before["required"] != after["required"]:
            requirement_changed.append({"slug": slug, "title": after["title"],
                                        "from": before["required"], "to": after["required"]})
        old_module, new_module = old_items[slug][2]["module"], new_items[slug][2]["module"]
        changed_fields = [f for f in MODULE_FIELDS
                          if _field(old_module, f) != _field(new_module, f)]
        if changed_fields:
            changed.append({"slug": slug, "title": new_module["title"], "fields": changed_fields})
    order = {slug: index for index, slug in enumerate(new_items)}
    for entries in (moved, requirement_changed, changed):
        entries.sort(key=lambda entry: order[entry["slug"]])
    return {
        "fields": fields,
        "sections": {
            "added": [t for t in new_sections if t not in old_sections],
            "removed": [t for t in old_sections if t not in new_sections],
            "order_changed": [t for t in old_sections if t in new_sections] !=
                             [t for t in new_sections if t in old_sections],
        },
        "modules": {"added": added, "removed": removed, "moved": moved,
                    "requirement_changed": requirement_changed, "changed": changed},
        "is_empty": not (fields or added or removed or moved or requirement_changed or changed
                         or old_sections != new_sections),
    }
