"""Inventory operations: plain functions that take a session, flush and never commit."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from curriculum.db import utcnow
from curriculum.errors import Conflict, NotFound, ValidationFailed
from curriculum.inventory.models import (
    AGENCY_SLUG_LENGTH,
    Agency,
    Module,
    ModuleAudience,
    ModuleKind,
    ModuleLanguage,
    ModulePartner,
    ModuleStatus,
    ModuleTheme,
    Theme,
    audience_key,
)
from curriculum.inventory.vocabulary import COMPLETED_WHEN
from curriculum.text import (
    clean_line,
    is_slug,
    make_slug,
    sanitise_html,
    search_key,
    unique_slug,
)

MODULE_SCALAR_FIELDS = (
    "title", "kind", "summary", "learning_objectives", "level", "duration_minutes",
    "delivery_mode", "year_first_offered", "url", "content_html", "licence", "sources",
    "source_confidence", "completed_when",
)


# Agencies -------------------------------------------------------------------------------


def get_agency(session: Session, slug: str) -> Agency:
    """The agency with this slug, or :class:`NotFound`."""
    agency = session.scalar(select(Agency).where(Agency.slug == slug)) if is_slug(slug) else None
    if agency is None:
        raise NotFound(f"No agency has the slug '{slug}'.")
    return agency


def agencies_by_reference(session: Session) -> dict[str, Agency]:
    """Every agency under its case-folded code, slug and name (for imports)."""
    index: dict[str, Agency] = {}
    for agency in session.scalars(select(Agency)):
        for key in (agency.code, agency.slug, agency.name):
            index.setdefault(key.casefold(), agency)
    return index


class References:
    """Resolves agency and theme references, remembering what it found (one query per name).

    One instance serves a whole import, so a thousand rows naming IOM read IOM once.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self._agencies: dict[str, Agency] | None = None
        self._themes: dict[str, Theme] | None = None

    def agency(self, reference: str, field: str) -> Agency:
        """The agency a code, slug or name refers to, or a validation error on ``field``."""
        agency = self._agency_index().get(reference.strip().casefold())
        if agency is None:
            raise _unknown_agency(reference, field)
        return agency

    def prepare(self, data: Mapping[str, Any]) -> None:
        """Read (and add) what ``data`` refers to before a module changes.

        A query autoflushes and a new theme is flushed: in the middle of an edit, either would
        write the module twice and count two revisions for one edit.
        """
        if "owner_agency" in data or "partner_agencies" in data:
            self._agency_index()
        if "themes" in data:
            self.themes(data["themes"] or [])

    def _agency_index(self) -> dict[str, Agency]:
        if self._agencies is None:
            self._agencies = agencies_by_reference(self.session)
        return self._agencies

    def themes(self, references: Iterable[str]) -> list[Theme]:
        """Themes by slug or name; a name never seen before becomes a new theme."""
        if self._themes is None:
            self._themes = {}
            for stored in self.session.scalars(select(Theme)):
                self._themes[stored.slug] = self._themes[stored.name.casefold()] = stored
        found: list[Theme] = []
        for reference in references:
            name = " ".join(reference.split())
            if not name:
                continue
            theme = self._themes.get(name.casefold())
            if theme is None:
                theme = create_theme(self.session, {"name": name})
                self._themes[theme.slug] = self._themes[name.casefold()] = theme
            if theme not in found:
                found.append(theme)
        return found


def _unknown_agency(reference: str, field: str) -> ValidationFailed:
    return ValidationFailed(
        f"Unknown agency '{reference}'.",
        {field: [f"Unknown agency '{reference}': use an agency code such as 'IOM', "
                 "or create the agency first."]},
    )


def resolve_agency(session: Session, reference: str, field: str) -> Agency:
    """The agency a code, slug or name refers to, or a validation error on ``field``."""
    key = reference.strip().casefold()
    agency = session.scalar(
        select(Agency).where(
            or_(func.lower(Agency.code) == key, Agency.slug == key, func.lower(Agency.name) == key)
        )
    )
    if agency is None:
        raise _unknown_agency(reference, field)
    return agency


def create_agency(session: Session, data: Mapping[str, Any]) -> Agency:
    """Add an agency; its code and slug must be free."""
    code = data["code"].strip()
    slug = data.get("slug") or make_slug(code, AGENCY_SLUG_LENGTH)
    _ensure_free(session, Agency, "code", code, func.lower(Agency.code) == code.casefold())
    _ensure_free(session, Agency, "slug", slug, Agency.slug == slug)
    agency = Agency(code=code, slug=slug, name=data["name"], url=data.get("url"),
                    is_gmg_member=data.get("is_gmg_member", False))
    session.add(agency)
    session.flush()
    return agency


def update_agency(session: Session, agency: Agency, data: Mapping[str, Any]) -> Agency:
    """Change an agency's name, URL or membership (its code and slug are stable)."""
    for field in ("name", "url", "is_gmg_member"):
        if field in data:
            setattr(agency, field, data[field])
    agency.updated_at = utcnow()
    session.flush()
    return agency


# Themes ---------------------------------------------------------------------------------


def get_theme(session: Session, slug: str) -> Theme:
    """The theme with this slug, or :class:`NotFound`."""
    theme = session.scalar(select(Theme).where(Theme.slug == slug)) if is_slug(slug) else None
    if theme is None:
        raise NotFound(f"No theme has the slug '{slug}'.")
    return theme


def create_theme(session: Session, data: Mapping[str, Any]) -> Theme:
    """Add a theme; its name must be free, and so must its slug when one is given.

    A derived slug gets a suffix when taken: names like "Gender" and "Gender!" or two emoji
    names would otherwise share one.
    """
    name = data["name"].strip()
    _ensure_free(session, Theme, "name", name, func.lower(Theme.name) == name.casefold())
    if data.get("slug"):
        slug = data["slug"]
        _ensure_free(session, Theme, "slug", slug, Theme.slug == slug)
    else:
        slug = unique_slug(name, lambda s: _slug_taken(session, Theme, s))
    theme = Theme(name=name, slug=slug, description=data.get("description"))
    session.add(theme)
    session.flush()
    return theme


def update_theme(session: Session, theme: Theme, data: Mapping[str, Any]) -> Theme:
    """Rename a theme or change its description (its slug is stable)."""
    if "name" in data:
        name = data["name"].strip()
        if name.casefold() != theme.name.casefold():  # a change of case keeps the name free
            _ensure_free(session, Theme, "name", name, func.lower(Theme.name) == name.casefold())
        theme.name = name
    if "description" in data:
        theme.description = data["description"]
    session.flush()
    return theme


# Modules --------------------------------------------------------------------------------


def get_module(session: Session, slug: str) -> Module:
    """The module with this slug, or :class:`NotFound`."""
    module = session.scalar(select(Module).where(Module.slug == slug)) if is_slug(slug) else None
    if module is None:
        raise NotFound(f"No module has the slug '{slug}'.")
    return module


def modules_by_slug(session: Session, slugs: Sequence[str]) -> dict[str, Module]:
    """The modules with these slugs, loaded in one query."""
    if not slugs:
        return {}
    return {m.slug: m for m in session.scalars(select(Module).where(Module.slug.in_(set(slugs))))}


def create_module(session: Session, data: Mapping[str, Any],
                  references: References | None = None, *, flush: bool = True) -> Module:
    """Add a module to the inventory; the slug comes from the title unless given."""
    references = references or References(session)
    if data.get("slug"):
        slug = data["slug"]
        _ensure_free(session, Module, "slug", slug, Module.slug == slug)
    else:
        slug = unique_slug(data["title"], lambda s: _slug_taken(session, Module, s))
    module = Module(slug=slug, owner_agency=references.agency(data["owner_agency"],
                                                              "owner_agency"),
                    partner_links=[], theme_links=[], language_links=[], audience_links=[])
    _apply_module_fields(module, {"learning_objectives": [], "sources": [], **data}, references)
    session.add(module)
    if flush:
        session.flush()
    return module


def update_module(session: Session, module: Module, data: Mapping[str, Any],
                  references: References | None = None, *, flush: bool = True) -> Module:
    """Change the given fields of a module; the slug never changes."""
    references = references or References(session)
    references.prepare(data)
    if "owner_agency" in data:
        module.owner_agency = references.agency(data["owner_agency"], "owner_agency")
    _apply_module_fields(module, data, references)
    module.updated_at = utcnow()
    if flush:
        session.flush()
    return module


def retire_module(session: Session, module: Module) -> Module:
    """Retire a module: it stays in published versions but is offered for no new package."""
    if not module.is_retired:
        module.status = ModuleStatus.RETIRED
        module.retired_at = utcnow()
        module.updated_at = module.retired_at
        session.flush()
    return module


def restore_module(session: Session, module: Module) -> Module:
    """Bring a retired module back into the inventory."""
    if module.is_retired:
        module.status = ModuleStatus.ACTIVE
        module.retired_at = None
        module.updated_at = utcnow()
        session.flush()
    return module


def module_values(module: Module) -> dict[str, Any]:
    """A module's fields as import/export values (agencies by code, themes by name)."""
    return {
        "slug": module.slug,
        "title": module.title,
        "kind": module.kind.value if module.kind else None,
        "summary": module.summary,
        "learning_objectives": list(module.learning_objectives or []),
        "owner_agency": module.owner_agency.code,
        "partner_agencies": [a.code for a in module.partner_agencies],
        "themes": [t.name for t in module.themes],
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
        "source_confidence": module.source_confidence,
        "status": module.status.value,
    }


def _apply_module_fields(module: Module, data: Mapping[str, Any], references: References
                         ) -> None:
    for field in MODULE_SCALAR_FIELDS:
        if field not in data:
            continue
        value = data[field]
        if field == "content_html":
            value = sanitise_html(value)
        elif field == "kind" and value is not None:
            value = ModuleKind(value)
        elif field in ("learning_objectives", "sources"):
            value = [item for item in (clean_line(v) for v in value or []) if item]
        elif field == "completed_when":
            value = value or COMPLETED_WHEN[0]
        setattr(module, field, value)
    if "partner_agencies" in data:
        partners = _unique([references.agency(ref, "partner_agencies")
                            for ref in data["partner_agencies"] or []])
        partners = [a for a in partners if a is not module.owner_agency]
        module.partner_links = _relink(
            module.partner_links, partners, key=lambda link: link.agency_id,
            wanted_key=lambda a: a.id, make=lambda a, i: ModulePartner(agency=a, position=i),
        )
    if "themes" in data:
        themes = references.themes(data["themes"] or [])
        module.theme_links = _relink(
            module.theme_links, themes, key=lambda link: link.theme_id,
            wanted_key=lambda t: t.id, make=lambda t, i: ModuleTheme(theme=t, position=i),
        )
    if "languages" in data:
        codes = _unique([code.strip().lower() for code in data["languages"] or [] if code.strip()])
        module.language_links = _relink(
            module.language_links, codes, key=lambda link: link.code, wanted_key=lambda c: c,
            make=lambda c, i: ModuleLanguage(code=c, position=i),
        )
    if "audience" in data:
        labels = _unique([label for label in (clean_line(a) for a in data["audience"] or [])
                          if label], key=audience_key)
        module.audience_links = _relink(
            module.audience_links, labels, key=lambda link: link.key,
            wanted_key=audience_key,
            make=lambda a, i: ModuleAudience(key=audience_key(a), label=a, position=i),
        )
    module.search_text = search_key(
        [module.title, module.summary, *(module.learning_objectives or [])]
    )
    module.filter_keys = module.filter_keys_from_links()


def _relink(current: list[Any], wanted: list[Any], *, key: Any, wanted_key: Any,
            make: Any) -> list[Any]:
    """Keep existing association rows that are still wanted (re-ordered), add the new ones.

    Reusing rows avoids deleting and re-inserting the same primary key in one flush.
    """
    existing = {key(link): link for link in current}
    links = []
    for position, item in enumerate(wanted):
        link = existing.get(wanted_key(item))
        if link is None:
            link = make(item, position)
        link.position = position
        if hasattr(link, "label") and isinstance(item, str):
            link.label = item
        links.append(link)
    return links


def _unique(items: Iterable[Any], key: Any = None) -> list[Any]:
    seen: set[Any] = set()
    result = []
    for item in items:
        marker = key(item) if key else id(item) if not isinstance(item, str) else item
        if marker not in seen:
            seen.add(marker)
            result.append(item)
    return result


def _slug_taken(session: Session, model: Any, slug: str) -> bool:
    return session.scalar(select(func.count()).where(model.slug == slug)) != 0


def _ensure_free(session: Session, model: Any, field: str, value: str, condition: Any) -> None:
    if session.scalar(select(func.count()).select_from(model).where(condition)):
        raise Conflict(
            f"Another {model.__name__.lower()} already has the {field} '{value}'.",
            {field: [f"'{value}' is already taken."]},
        )
