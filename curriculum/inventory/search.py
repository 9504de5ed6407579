"""Module search: a text query and filters, answered from indexes with a fixed number of queries.

The text query matches substrings of the case-folded title, summary and objectives, so it works
for every script (Arabic, Chinese ...). PostgreSQL answers it from a pg_trgm GIN index, SQLite
from an FTS5 trigram table kept in step by triggers (see the first migration).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, and_, exists, func, literal_column, or_, select, text
from sqlalchemy.orm import Session

from curriculum.db import is_sqlite
from curriculum.inventory.models import (
    Agency,
    Module,
    ModuleAudience,
    ModuleLanguage,
    ModulePartner,
    ModuleStatus,
    ModuleTheme,
    Theme,
    audience_key,
)

MAX_QUERY_TERMS = 8


@dataclass(frozen=True)
class ModuleQuery:
    """What a module search asks for; every field is optional."""

    q: str | None = None
    agency: str | None = None
    owner: str | None = None
    theme: str | None = None
    language: str | None = None
    level: str | None = None
    audience: str | None = None
    mode: str | None = None
    kind: str | None = None
    min_duration: int | None = None
    max_duration: int | None = None
    status: str = "active"
    terms: list[str] = field(init=False)

    def __post_init__(self) -> None:
        words = (self.q or "").casefold().split()
        object.__setattr__(self, "terms", list(dict.fromkeys(words))[:MAX_QUERY_TERMS])


@dataclass(frozen=True)
class Page:
    """One page of results and the total they come from."""

    items: list[Any]
    page: int
    page_size: int
    total: int

    @property
    def pages(self) -> int:
        """How many pages there are in all."""
        return max(1, -(-self.total // self.page_size))


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _text_condition(session: Session, term: str) -> Any:
    pattern = f"%{_escape_like(term)}%"
    if is_sqlite(session.get_bind()):
        matching_ids: Select[Any] = (
            select(literal_column("rowid")).select_from(text("module_search"))
            .where(literal_column("search_text").like(pattern, escape="\\"))
        )
        return Module.id.in_(matching_ids)
    return Module.search_text.like(pattern, escape="\\")


def _agency_condition(reference: str, *, partners: bool) -> Any:
    key = reference.casefold()
    agency_ids = select(Agency.id).where(or_(Agency.slug == key, func.lower(Agency.code) == key))
    owned = Module.owner_agency_id.in_(agency_ids)
    if not partners:
        return owned
    partnered = exists().where(
        ModulePartner.module_id == Module.id, ModulePartner.agency_id.in_(agency_ids)
    )
    return or_(owned, partnered)


def filtered_modules(session: Session, query: ModuleQuery) -> Select[Module]:
    """The ``SELECT`` of the modules that match ``query`` (unordered, unpaged)."""
    conditions: list[Any] = []
    if query.status != "all":
        conditions.append(Module.status == ModuleStatus(query.status))
    conditions.extend(_text_condition(session, term) for term in query.terms)
    if query.agency:
        conditions.append(_agency_condition(query.agency, partners=True))
    if query.owner:
        conditions.append(_agency_condition(query.owner, partners=False))
    if query.theme:
        theme_ids = select(Theme.id).where(Theme.slug == query.theme.casefold())
        conditions.append(exists().where(
            ModuleTheme.module_id == Module.id, ModuleTheme.theme_id.in_(theme_ids)
        ))
    if query.language:
        conditions.append(exists().where(
            ModuleLanguage.module_id == Module.id, ModuleLanguage.code == query.language.lower()
        ))
    if query.audience:
        conditions.append(exists().where(
            ModuleAudience.module_id == Module.id,
            ModuleAudience.key == audience_key(query.audience),
        ))
    if query.level:
        conditions.append(Module.level == query.level)
    if query.mode:
        conditions.append(Module.delivery_mode == query.mode)
    if query.kind:
        conditions.append(Module.kind == query.kind)
    if query.min_duration is not None:
        conditions.append(Module.duration_minutes >= query.min_duration)
    if query.max_duration is not None:
        conditions.append(Module.duration_minutes <= query.max_duration)
    return select(Module).where(and_(*conditions))


def search_modules(session: Session, query: ModuleQuery, *, page: int, page_size: int) -> Page:
    """One page of the modules matching ``query``, ordered by title, and their total."""
    statement = filtered_modules(session, query)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    items = list(session.scalars(
        statement.order_by(Module.title, Module.id)
        .limit(page_size)
        .offset((page - 1) * page_size)
    ))
    return Page(items=items, page=page, page_size=page_size, total=total)
