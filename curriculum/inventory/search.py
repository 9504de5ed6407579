"""Module search: a text query and filters, answered from indexes with a fixed number of queries.

The text query matches substrings of the case-folded title, summary and objectives, so it works
for every script (Arabic, Chinese ...). PostgreSQL answers it from a pg_trgm GIN index, SQLite
from an FTS5 trigram table kept in step by triggers (see the first migration).

On PostgreSQL the agency, theme, language and audience filters look up ``modules.filter_keys``
(a GIN index) rather than the link tables, so the planner intersects them with the text index
(BitmapAnd) and reads only the rows that pass both: a selective search at 50,000 modules went
from about 50 ms to 15 ms. SQLite, whose planner has no statistics to weigh them with, filters
through the link tables' indexes.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Select, func, literal_column, or_, select, text, union_all
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
    agency_filter_key,
    audience_filter_key,
    audience_key,
    language_filter_key,
    theme_filter_key,
)

MAX_QUERY_TERMS = 8
#: Substrings shorter than this cannot be looked up in a trigram index.
TRIGRAM_LENGTH = 3
#: Matches past a page's offset are counted up to this many; beyond it the total is a lower
#: bound and the page is read in title order (see :func:`find_module_ids`).
EXACT_TOTAL_LIMIT = 1000
#: How likely SQLite's planner is told a module is active.
ACTIVE_LIKELIHOOD = "0.9375"


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
    """One page of results and the total they come from.

    ``total_is_exact`` false says that at least ``total`` match (counting stopped there).
    """

    items: list[Any]
    page: int
    page_size: int
    total: int
    total_is_exact: bool = True

    @property
    def pages(self) -> int:
        """How many pages there are in all (when the total is a lower bound, at least one more
        than this one)."""
        pages = max(1, -(-self.total // self.page_size))
        return pages if self.total_is_exact else max(pages, self.page + 1)


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _like_conditions(terms: list[str]) -> list[Any]:
    """Every term is a substring of the search text (PostgreSQL answers these from the
    trigram index; SQLite reads the rows)."""
    return [Module.search_text.like(f"%{_escape_like(term)}%", escape="\\") for term in terms]


def _indexed(terms: list[str]) -> list[str]:
    """The terms a trigram index can look up (three characters or more)."""
    return [term for term in terms if len(term) >= TRIGRAM_LENGTH]


def _fts_matching_ids(terms: list[str]) -> Select[Any]:
    """SQLite: the ids of the modules whose text holds every term, from the FTS5 trigram table.

    The terms are one ``MATCH`` of quoted phrases: the trigram index answers it exactly (a
    ``LIKE`` with an ``ESCAPE`` clause is not passed to the index, so it would read the whole
    table).
    """
    phrases = " AND ".join('"' + term.replace('"', '""') + '"' for term in terms)
    return (select(literal_column("rowid")).select_from(text("module_search"))
            .where(literal_column("module_search").op("MATCH")(phrases)))


def _text_conditions(session: Session, terms: list[str]) -> list[Any]:
    """Every term must be a substring of the search text.

    On SQLite the terms of three characters or more are looked up in the FTS5 table; shorter
    terms, which no trigram index can answer, are matched with ``LIKE`` on the rows the other
    conditions leave.
    """
    if not is_sqlite(session.get_bind()) or not _indexed(terms):
        return _like_conditions(terms)
    short = [term for term in terms if len(term) < TRIGRAM_LENGTH]
    return [Module.id.in_(_fts_matching_ids(_indexed(terms))), *_like_conditions(short)]


def _linked(link: Any, condition: Any) -> Any:
    """Whether the module has a row in the link table ``link`` that meets ``condition``.

    The subquery selects ``module_id`` rather than ``*`` so that SQLite answers it from the
    link table's primary key index alone, without reading the row.
    """
    return select(link.module_id).where(link.module_id == Module.id, condition).exists()


def _agency_ids(reference: str) -> Select[Any]:
    key = reference.casefold()
    return select(Agency.id).where(or_(Agency.slug == key, func.lower(Agency.code) == key))


def _theme_ids(reference: str) -> Select[Any]:
    return select(Theme.id).where(Theme.slug == reference.casefold())


def _status_condition(session: Session, status: ModuleStatus, *, in_title_order: bool) -> Any:
    condition = Module.status == status
    if status is ModuleStatus.ACTIVE and not in_title_order and is_sqlite(session.get_bind()):
        # Nearly every module is active. Without statistics SQLite takes this equality for a
        # selective one and walks ix_modules_status_title row by row instead of starting from
        # the text index; likelihood() tells it otherwise (PostgreSQL keeps statistics). Pages
        # read in title order leave it out: walking that index is what they should do.
        return func.likelihood(condition, literal_column(ACTIVE_LIKELIHOOD))
    return condition


def search_conditions(session: Session, query: ModuleQuery, *, in_title_order: bool = False
                      ) -> list[Any]:
    """The ``WHERE`` conditions of the modules that match ``query``, from the link tables.

    ``in_title_order`` says the statement reads them in title order (so a planner hint that
    helps finding and counting them is left out).
    """
    return (_status_conditions(session, query, in_title_order=in_title_order)
            + _link_filters(query) + _column_filters(query)
            + _text_conditions(session, query.terms))


def _status_conditions(session: Session, query: ModuleQuery, *, in_title_order: bool
                       ) -> list[Any]:
    if query.status == "all":
        return []
    return [_status_condition(session, ModuleStatus(query.status), in_title_order=in_title_order)]


def _link_filters(query: ModuleQuery) -> list[Any]:
    """The agency, theme, language and audience filters, through the link tables."""
    conditions: list[Any] = []
    if query.agency:
        agency_ids = _agency_ids(query.agency)
        conditions.append(or_(Module.owner_agency_id.in_(agency_ids),
                              _linked(ModulePartner, ModulePartner.agency_id.in_(agency_ids))))
    if query.theme:
        conditions.append(_linked(ModuleTheme, ModuleTheme.theme_id.in_(_theme_ids(query.theme))))
    if query.language:
        conditions.append(_linked(ModuleLanguage, ModuleLanguage.code == query.language.lower()))
    if query.audience:
        key = audience_key(query.audience)
        conditions.append(_linked(ModuleAudience, ModuleAudience.key == key))
    return conditions


def _key_filters(session: Session, query: ModuleQuery) -> list[Any] | None:
    """The same filters as :func:`_link_filters`, on ``modules.filter_keys`` (PostgreSQL).

    The agency and theme references are read first (one query), so that the planner sees the
    keys themselves and weighs them with the column's statistics. ``None``: a reference names
    nothing, so nothing matches.
    """
    wanted: list[str] = []
    agencies: list[str] = []
    if query.agency or query.theme:
        parts: list[Any] = [select(literal_column("'agency'"), Agency.id).where(
                     Agency.id.in_(_agency_ids(query.agency)))] if query.agency else []
        if query.theme:
            parts.append(select(literal_column("'theme'"), Theme.id).where(
                Theme.id.in_(_theme_ids(query.theme))))
        found = list(session.execute(union_all(*parts)))
        agencies = [agency_filter_key(found_id) for kind, found_id in found if kind == "agency"]
        themes = [theme_filter_key(found_id) for kind, found_id in found if kind == "theme"]
        if (query.agency and not agencies) or (query.theme and not themes):
            return None
        wanted += themes
        if len(agencies) == 1:  # a reference names two agencies only if a slug is a code
            wanted += agencies
    if query.language:
        wanted.append(language_filter_key(query.language.lower()))
    if query.audience:
        wanted.append(audience_filter_key(audience_key(query.audience)))
    conditions = [Module.filter_keys.contains(wanted)] if wanted else []
    if len(agencies) > 1:
        conditions.append(Module.filter_keys.overlap(agencies))
    return conditions


def _column_filters(query: ModuleQuery) -> list[Any]:
    """The filters on the modules' own columns (other than the status)."""
    conditions: list[Any] = []
    if query.owner:
        conditions.append(Module.owner_agency_id.in_(_agency_ids(query.owner)))
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
    return conditions


def filtered_modules(session: Session, query: ModuleQuery) -> Select[Module]:
    """The ``SELECT`` of the modules that match ``query`` (unordered, unpaged)."""
    return select(Module).where(*search_conditions(session, query))


def _empty(page: int, page_size: int) -> Page:
    return Page(items=[], page=page, page_size=page_size, total=0)


def find_module_ids(session: Session, query: ModuleQuery, *, page: int, page_size: int) -> Page:
    """One page of the ids of the modules matching ``query``, in title order, and their total.

    Matches are counted up to ``EXACT_TOTAL_LIMIT`` past the page's offset, never further, so
    a broad search costs the same on any inventory. Beyond that figure the total is a lower
    bound (``total_is_exact`` false) that still leaves a next page to ask for.

    A search with a text query or a filter reads the ids of its first matches, in any order
    the planner likes (the text index, a filter's index), and sorts them by title. When that
    is all of them, the page is cut from them, so a selective search never walks the title
    index looking for matches that are not there. Otherwise, and for the plain list, the page
    is read in title order from ix_modules_status_title, which stops as soon as it is full.

    PostgreSQL filters on ``modules.filter_keys`` (see :func:`_key_filters`), SQLite through
    the link tables.
    """
    offset = (page - 1) * page_size
    limit = offset + EXACT_TOTAL_LIMIT
    if is_sqlite(session.get_bind()):
        criteria = [*_text_conditions(session, query.terms), *_link_filters(query),
                    *_column_filters(query)]
    else:
        filters = _key_filters(session, query)
        if filters is None:
            return _empty(page, page_size)
        # Cheap conditions first: a sequential scan evaluates them in this order.
        criteria = [*filters, *_column_filters(query), *_like_conditions(query.terms)]
    if criteria:
        first = (select(Module.id, Module.title)
                 .where(*_status_conditions(session, query, in_title_order=False), *criteria)
                 .limit(limit + 1).subquery("first_matches"))
        ids = list(session.scalars(select(first.c.id).order_by(first.c.title, first.c.id)))
        if len(ids) <= limit:
            return Page(items=ids[offset:offset + page_size], page=page, page_size=page_size,
                        total=len(ids))
        total = len(ids)
    else:
        first = select(Module.id).where(*_status_conditions(
            session, query, in_title_order=True)).limit(limit + 1).subquery("first_matches")
        total = session.scalar(select(func.count()).select_from(first)) or 0
        if total <= offset:
            return Page(items=[], page=page, page_size=page_size, total=total)
    ids = list(session.scalars(
        select(Module.id)
        .where(*_status_conditions(session, query, in_title_order=True), *criteria)
        .order_by(Module.title, Module.id).limit(page_size).offset(offset)))
    return Page(items=ids, page=page, page_size=page_size, total=min(total, limit),
                total_is_exact=total <= limit)


def search_modules(session: Session, query: ModuleQuery, *, page: int, page_size: int) -> Page:
    """One page of the modules matching ``query`` (ORM objects), as :func:`find_module_ids`."""
    found = find_module_ids(session, query, page=page, page_size=page_size)
    if not found.items:
        return found
    modules = {module.id: module
               for module in session.scalars(select(Module).where(Module.id.in_(found.items)))}
    return replace(found, items=[modules[module_id] for module_id in found.items])
