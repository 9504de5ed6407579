"""The JSON of a page of modules, read as plain rows rather than ORM objects.

A search answers up to 100 modules with their agencies, themes, languages and audiences.
Loading them as ORM objects and dumping them with marshmallow cost more than the search itself
(about 30 ms for 50 modules); reading the same columns as rows and building the dicts here
costs a few. :class:`curriculum.inventory.schemas.ModuleSchema` still describes the result
(the tests check that both give the same JSON), and single modules still go through it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from curriculum.inventory.models import (
    Agency,
    Module,
    ModuleAudience,
    ModuleLanguage,
    ModulePartner,
    ModuleTheme,
    Theme,
)

AGENCY_COLUMNS = (Agency.slug, Agency.code, Agency.name, Agency.url, Agency.is_gmg_member)


def _agency(row: Sequence[Any]) -> dict[str, Any]:
    slug, code, name, url, is_gmg_member = row
    return {"slug": slug, "code": code, "name": name, "url": url,
            "is_gmg_member": is_gmg_member}


def _moment(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _links(session: Session, ids: list[int]) -> dict[str, dict[int, list[Any]]]:
    """The partner agencies, themes, languages and audiences of the modules, in their order."""
    links: dict[str, dict[int, list[Any]]] = {
        name: defaultdict(list) for name in ("partners", "themes", "languages", "audience")}
    for module_id, *agency in session.execute(
            select(ModulePartner.module_id, *AGENCY_COLUMNS).join(Agency)
            .where(ModulePartner.module_id.in_(ids))
            .order_by(ModulePartner.module_id, ModulePartner.position)):
        links["partners"][module_id].append(_agency(agency))
    for module_id, slug, name in session.execute(
            select(ModuleTheme.module_id, Theme.slug, Theme.name).join(Theme)
            .where(ModuleTheme.module_id.in_(ids))
            .order_by(ModuleTheme.module_id, ModuleTheme.position)):
        links["themes"][module_id].append({"slug": slug, "name": name})
    for module_id, code in session.execute(
            select(ModuleLanguage.module_id, ModuleLanguage.code)
            .where(ModuleLanguage.module_id.in_(ids))
            .order_by(ModuleLanguage.module_id, ModuleLanguage.position)):
        links["languages"][module_id].append(code)
    for module_id, label in session.execute(
            select(ModuleAudience.module_id, ModuleAudience.label)
            .where(ModuleAudience.module_id.in_(ids))
            .order_by(ModuleAudience.module_id, ModuleAudience.position)):
        links["audience"][module_id].append(label)
    return links


def module_documents(session: Session, ids: list[int]) -> list[dict[str, Any]]:
    """The modules ``ids`` as :class:`~curriculum.inventory.schemas.ModuleSchema` dumps them,
    in the order of ``ids``; five queries whatever their number (none for no ids)."""
    if not ids:
        return []
    owner = aliased(Agency)
    rows = session.execute(
        select(Module.id, Module.slug, Module.title, Module.kind, Module.summary,
               Module.learning_objectives, Module.level, Module.duration_minutes,
               Module.delivery_mode, Module.year_first_offered, Module.url,
               func.coalesce(func.length(Module.content_html), 0) > 0, Module.licence,
               Module.sources, Module.source_confidence, Module.status, Module.retired_at,
               Module.revision, Module.created_at, Module.updated_at,
               owner.slug, owner.code, owner.name, owner.url, owner.is_gmg_member,
               Module.completed_when)
        .join(owner, owner.id == Module.owner_agency_id)
        .where(Module.id.in_(ids)))
    links = _links(session, ids)
    documents: dict[int, dict[str, Any]] = {}
    for row in rows:
        module_id = row[0]
        documents[module_id] = {
            "slug": row[1], "title": row[2], "kind": row[3].value if row[3] else None,
            "summary": row[4], "learning_objectives": list(row[5] or []),
            "owner_agency": _agency(row[20:25]),
            "partner_agencies": links["partners"].get(module_id, []),
            "themes": links["themes"].get(module_id, []),
            "audience": links["audience"].get(module_id, []),
            "level": row[6], "languages": links["languages"].get(module_id, []),
            "duration_minutes": row[7], "delivery_mode": row[8], "year_first_offered": row[9],
            "url": row[10], "is_hosted": bool(row[11]), "licence": row[12],
            "completed_when": row[25], "sources": list(row[13] or []), "source_confidence": row[14],
            "status": row[15].value, "retired_at": _moment(row[16]), "revision": row[17],
            "created_at": _moment(row[18]), "updated_at": _moment(row[19]),
        }
    return [documents[module_id] for module_id in ids]
