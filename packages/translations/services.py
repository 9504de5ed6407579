"""Translation operations: list, store and delete the translations of a package's or a module's
texts, and apply them to package snapshots. They flush, never commit."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from curriculum.db import utcnow
from curriculum.errors import ValidationFailed
from curriculum.formatting import language_name
from curriculum.inventory.models import Module
from packages.events import translations_changed
from packages.models import Package, PackageItem, PackageSection
from packages.snapshot import package_snapshot
from packages.translations.models import ModuleTranslation, PackageTranslation
from packages.translations.texts import (
    SOURCE_LANGUAGE,
    TARGET_LANGUAGES,
    Text,
    is_module_field,
    is_package_field,
    module_texts,
    package_texts,
    source_problem,
    text_hash,
)

CURRENT, OUTDATED = "current", "outdated"
Translation = PackageTranslation | ModuleTranslation


def check_target_language(lang: str) -> str:
    """``lang`` if texts can be translated into it, else :class:`ValidationFailed`."""
    if lang in TARGET_LANGUAGES:
        return lang
    if lang == SOURCE_LANGUAGE:
        message = ("English (en) is the language the texts are written in; translations go "
                   "into " + _language_list() + ".")
    else:
        message = f"Texts cannot be translated into '{lang[:20]}'; use {_language_list()}."
    raise ValidationFailed(message, {"lang": [message]})


def _language_list() -> str:
    return ", ".join(f"{language_name(code)} ({code})" for code in TARGET_LANGUAGES)


@dataclass(frozen=True)
class _Subject:
    """A package or a module as the translation store sees it."""

    model: type[Translation]
    owner: str  # the foreign key attribute: "package_id" or "module_id"
    owner_id: int
    texts: dict[str, Text]  # the current original texts
    knows: Callable[[str], bool]  # whether the field name exists for this kind

    def rows(self, session: Session, lang: str | None = None) -> list[Translation]:
        statement = select(self.model).where(getattr(self.model, self.owner) == self.owner_id)
        if lang is not None:
            statement = statement.where(self.model.lang == lang)
        return list(session.scalars(statement.order_by(self.model.lang, self.model.field)))


def _package_subject(package: Package) -> _Subject:
    return _Subject(PackageTranslation, "package_id", package.id,
                    package_texts(package_snapshot(package)), is_package_field)


def _module_subject(module: Module) -> _Subject:
    texts = module_texts({"title": module.title, "summary": module.summary,
                          "learning_objectives": list(module.learning_objectives or [])})
    return _Subject(ModuleTranslation, "module_id", module.id, texts, is_module_field)


# Reading --------------------------------------------------------------------------------


def package_translations(session: Session, package: Package) -> dict[str, Any]:
    """Every language's translations of the package's texts, each current or outdated."""
    return _listing(session, _package_subject(package))


def module_translations(session: Session, module: Module) -> dict[str, Any]:
    """Every language's translations of the module's texts, each current or outdated."""
    return _listing(session, _module_subject(module))


def _listing(session: Session, subject: _Subject) -> dict[str, Any]:
    rows = subject.rows(session)
    return {"source_language": SOURCE_LANGUAGE, "source": subject.texts,
            "languages": [_language_entry(subject, lang, [r for r in rows if r.lang == lang])
                          for lang in TARGET_LANGUAGES]}


def _language_entry(subject: _Subject, lang: str, rows: list[Translation]) -> dict[str, Any]:
    fields = {row.field: {"text": row.value, "status": _status(subject, row),
                          "updated_at": row.updated_at} for row in rows}
    missing = [field for field in subject.texts
               if fields.get(field, {}).get("status") != CURRENT]
    return {"lang": lang, "name": language_name(lang), "fields": fields, "missing": missing}


def _status(subject: _Subject, row: Translation) -> str:
    source = subject.texts.get(row.field)
    return CURRENT if source is not None and text_hash(source) == row.source_hash else OUTDATED


# Writing --------------------------------------------------------------------------------


def store_package_translation(session: Session, package: Package, lang: str,
                              fields: Mapping[str, Text]) -> dict[str, Any]:
    """Make ``fields`` the package's translation into ``lang`` (see :func:`_store`)."""
    entry = _store(session, _package_subject(package), lang, fields)
    translations_changed.send(session, package_ids=[package.id], lang=lang)
    return entry


def store_module_translation(session: Session, module: Module, lang: str,
                             fields: Mapping[str, Text]) -> dict[str, Any]:
    """Make ``fields`` the module's translation into ``lang`` (see :func:`_store`)."""
    entry = _store(session, _module_subject(module), lang, fields)
    translations_changed.send(session, package_ids=packages_with_module(session, module),
                              lang=lang)
    return entry


def delete_package_translation(session: Session, package: Package, lang: str) -> int:
    """Remove the package's translation into ``lang``; returns how many texts it had."""
    removed = _delete(session, _package_subject(package), lang)
    translations_changed.send(session, package_ids=[package.id], lang=lang)
    return removed


def delete_module_translation(session: Session, module: Module, lang: str) -> int:
    """Remove the module's translation into ``lang``; returns how many texts it had."""
    removed = _delete(session, _module_subject(module), lang)
    translations_changed.send(session, package_ids=packages_with_module(session, module),
                              lang=lang)
    return removed


def packages_with_module(session: Session, module: Module) -> list[int]:
    """The ids of the packages whose working copy holds ``module``."""
    return list(session.scalars(
        select(PackageSection.package_id).join(PackageItem,
                                               PackageItem.section_id == PackageSection.id)
        .where(PackageItem.module_id == module.id).distinct()))


def _store(session: Session, subject: _Subject, lang: str,
           fields: Mapping[str, Text]) -> dict[str, Any]:
    """Replace the translation into ``lang`` by ``fields``, each stored against the current
    original. A text sent unchanged keeps the original it was stored against: sending back an
    outdated translation as it was does not make it current."""
    lang = check_target_language(lang)
    errors = {f"fields.{field}": [problem] for field, value in fields.items()
              if (problem := _field_problem(subject, field, value))}
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], errors)
    existing = {row.field: row for row in subject.rows(session, lang)}
    now = utcnow()
    for field, row in existing.items():
        if field not in fields:
            session.delete(row)
    for field, value in fields.items():
        found = existing.get(field)
        if found is not None and found.value == value:
            continue
        row = found or subject.model(lang=lang, field=field, **{subject.owner: subject.owner_id})
        row.value, row.source_hash, row.updated_at = value, text_hash(subject.texts[field]), now
        session.add(row)
    session.flush()
    return _language_entry(subject, lang, subject.rows(session, lang))


def _field_problem(subject: _Subject, field: str, value: Text) -> str | None:
    if not subject.knows(field):
        return f"'{field[:80]}' is not a text that can be translated here."
    return source_problem(field, value, subject.texts.get(field))


def _delete(session: Session, subject: _Subject, lang: str) -> int:
    lang = check_target_language(lang)
    model = subject.model
    result = session.execute(delete(model).where(getattr(model, subject.owner) == subject.owner_id,
                                                 model.lang == lang))
    session.flush()
    return int(getattr(result, "rowcount", 0) or 0)
