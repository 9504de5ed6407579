"""Package snapshots in another language: each text with a current translation replaced by it.

A translation applies to a snapshot (the working copy's or a published version's) when the
hash of the snapshot's text is the one the translation was stored against; so a translation
stored after publishing applies to the version whose text it translates, and never to a text
that changed since.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from curriculum.inventory.models import Module
from packages.models import Package
from packages.translations.models import ModuleTranslation, PackageTranslation
from packages.translations.texts import SOURCE_LANGUAGE, module_texts, package_texts, text_hash

#: In a localised snapshot, each dict (package, section, module) that has translated texts
#: lists their field names under this key.
TRANSLATED = "translated_fields"


@dataclass
class Localised:
    """A snapshot as shown in ``lang``: what was translated and what stays in the original."""

    lang: str
    snapshot: dict[str, Any]
    #: ``(subject:field, translated text)`` of every translation applied.
    applied: list[tuple[str, Any]] = field(default_factory=list)
    #: ``subject:field`` of every text left in the original (``package:title``,
    #: ``package:sections.1.title``, ``module:<slug>:summary``).
    untranslated: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        """A fingerprint of the translations applied (empty when none is)."""
        if not self.applied:
            return ""
        canonical = json.dumps(sorted(self.applied, key=lambda a: a[0]), ensure_ascii=False,
                               separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


def is_translated(part: dict[str, Any], name: str) -> bool:
    """Whether the text ``name`` of a localised snapshot's dict is shown translated."""
    return name in part.get(TRANSLATED, ())


def localise(session: Session, snapshot: dict[str, Any], lang: str, *,
             modules: bool = True) -> Localised:
    """``snapshot`` with its texts in ``lang`` where a current translation is stored."""
    return localise_many(session, [snapshot], lang, modules=modules)[0]


def localise_many(session: Session, snapshots: list[dict[str, Any]], lang: str, *,
                  modules: bool = True) -> list[Localised]:
    """:func:`localise` for several snapshots in two queries (``modules=False``: only the
    packages' own texts, for documents that show no module)."""
    if lang == SOURCE_LANGUAGE:
        return [Localised(lang, snapshot) for snapshot in snapshots]
    package_rows = _package_rows(session, [s["slug"] for s in snapshots], lang)
    module_slugs = [item["module"]["slug"] for s in snapshots for section in s["sections"]
                    for item in section["items"]] if modules else []
    module_rows = _module_rows(session, module_slugs, lang)
    return [_localise(snapshot, lang, package_rows, module_rows, modules)
            for snapshot in snapshots]


Rows = dict[tuple[str, str], tuple[str, Any]]  # (slug, field) -> (source hash, text)


def _package_rows(session: Session, slugs: list[str], lang: str) -> Rows:
    statement = (select(Package.slug, PackageTranslation.field, PackageTranslation.source_hash,
                        PackageTranslation.value)
                 .join(Package, Package.id == PackageTranslation.package_id)
                 .where(Package.slug.in_(set(slugs)), PackageTranslation.lang == lang))
    return {(slug, name): (source_hash, value)
            for slug, name, source_hash, value in session.execute(statement)}


def _module_rows(session: Session, slugs: list[str], lang: str) -> Rows:
    if not slugs:
        return {}
    statement = (select(Module.slug, ModuleTranslation.field, ModuleTranslation.source_hash,
                        ModuleTranslation.value)
                 .join(Module, Module.id == ModuleTranslation.module_id)
                 .where(Module.slug.in_(set(slugs)), ModuleTranslation.lang == lang))
    return {(slug, name): (source_hash, value)
            for slug, name, source_hash, value in session.execute(statement)}


def _localise(snapshot: dict[str, Any], lang: str, package_rows: Rows, module_rows: Rows,
              modules: bool) -> Localised:
    result = Localised(lang, copy.deepcopy(snapshot))
    shown = result.snapshot
    slug = shown["slug"]
    for name, source in package_texts(shown).items():
        target, attribute = _target(shown, name)
        _apply(result, target, attribute, f"package:{name}", source,
               package_rows.get((slug, name)))
    if modules:
        for section in shown["sections"]:
            for item in section["items"]:
                module = item["module"]
                for name, source in module_texts(module).items():
                    _apply(result, module, name, f"module:{module['slug']}:{name}", source,
                           module_rows.get((module["slug"], name)))
    return result


def _target(snapshot: dict[str, Any], name: str) -> tuple[dict[str, Any], str]:
    """The dict and key that hold the package text ``name`` (``sections.1.title``)."""
    if name.startswith("sections."):
        _, index, attribute = name.split(".")
        return snapshot["sections"][int(index)], attribute
    return snapshot, name


def _apply(result: Localised, target: dict[str, Any], attribute: str, subject: str,
           source: Any, row: tuple[str, Any] | None) -> None:
    if row is None or row[0] != text_hash(source):
        result.untranslated.append(subject)
        return
    target[attribute] = row[1]
    target.setdefault(TRANSLATED, []).append(attribute)
    result.applied.append((subject, row[1]))
