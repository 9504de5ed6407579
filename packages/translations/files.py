"""Translations as files: export the current ones, import a file through the same checks as the
API (all or nothing). The demo loads its translations this way.

JSON: ``{"packages": {slug: {lang: {field: text}}}, "modules": {slug: {lang: {field: text}}}}``.
CSV: the columns ``kind`` (package or module), ``slug``, ``lang``, ``field``, ``text``; the list
fields (prerequisites, learning objectives) hold one item per line of the cell.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import marshmallow as ma
from sqlalchemy import select
from sqlalchemy.orm import Session

from curriculum.errors import AppError, ValidationFailed
from curriculum.inventory.models import Module
from curriculum.inventory.services import get_module
from packages.models import Package
from packages.services import get_package
from packages.translations import services
from packages.translations.models import ModuleTranslation, PackageTranslation
from packages.translations.schemas import TranslationInputSchema
from packages.translations.texts import is_list_field

KINDS = ("packages", "modules")
CSV_COLUMNS = ("kind", "slug", "lang", "field", "text")
#: ``{"packages": {slug: {lang: {field: text}}}, "modules": {...}}``
Document = dict[str, dict[str, dict[str, dict[str, Any]]]]


@dataclass
class ImportReport:
    """What an import stored (or, with ``only_missing``, left as it was)."""

    stored: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)


# Export ---------------------------------------------------------------------------------


def export_translations(session: Session) -> Document:
    """Every current translation (outdated ones are left out: they translate another text)."""
    document: Document = {"packages": {}, "modules": {}}
    for package in session.scalars(select(Package).where(Package.id.in_(
            select(PackageTranslation.package_id))).order_by(Package.slug)):
        _add_current(document["packages"], package.slug,
                     services.package_translations(session, package))
    for module in session.scalars(select(Module).where(Module.id.in_(
            select(ModuleTranslation.module_id))).order_by(Module.slug)):
        _add_current(document["modules"], module.slug,
                     services.module_translations(session, module))
    return document


def _add_current(into: dict[str, Any], slug: str, listing: dict[str, Any]) -> None:
    languages = {entry["lang"]: {name: text["text"] for name, text in entry["fields"].items()
                                 if text["status"] == services.CURRENT}
                 for entry in listing["languages"]}
    languages = {lang: texts for lang, texts in languages.items() if texts}
    if languages:
        into[slug] = languages


def to_json(document: Document) -> str:
    """The document as JSON."""
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def to_csv(document: Document) -> str:
    """The document as CSV rows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for kind in KINDS:
        for slug, languages in document.get(kind, {}).items():
            for lang, texts in languages.items():
                for name, text in texts.items():
                    cell = "\n".join(text) if isinstance(text, list) else text
                    writer.writerow([kind.removesuffix("s"), slug, lang, name, cell])
    return out.getvalue()


# Import ---------------------------------------------------------------------------------


def read_json(text: str) -> Document:
    """A translations document from JSON, or :class:`ValidationFailed`."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise ValidationFailed(f"The file is not valid JSON: {error}.") from error
    problem = "Expected {\"packages\": {slug: {lang: {field: text}}}, \"modules\": {...}}."
    if not isinstance(data, dict) or set(data) - set(KINDS):
        raise ValidationFailed(problem)
    for kind in KINDS:
        subjects = data.get(kind, {})
        if not isinstance(subjects, dict) or not all(
                isinstance(languages, dict) and all(isinstance(t, dict)
                                                    for t in languages.values())
                for languages in subjects.values()):
            raise ValidationFailed(problem)
    return {kind: data.get(kind, {}) for kind in KINDS}


def read_csv(text: str) -> Document:
    """A translations document from CSV, or :class:`ValidationFailed`."""
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))
    if set(CSV_COLUMNS) - set(reader.fieldnames or []):
        raise ValidationFailed("The CSV needs the columns " + ", ".join(CSV_COLUMNS) + ".")
    document: Document = {"packages": {}, "modules": {}}
    for line, row in enumerate(reader, start=2):
        kind = f"{row['kind'].strip()}s"
        if kind not in KINDS:
            raise ValidationFailed(f"line {line}, kind: 'package' or 'module', not "
                                   f"'{row['kind'][:20]}'.")
        name, text = row["field"].strip(), row["text"] or ""
        value: Any = [item for item in text.splitlines() if item.strip()] if is_list_field(
            name) else text
        document[kind].setdefault(row["slug"].strip(), {}).setdefault(
            row["lang"].strip(), {})[name] = value
    return document


def import_translations(session: Session, document: Document, *,
                        only_missing: bool = False) -> ImportReport:
    """Store every translation of ``document`` (the texts of a language not in the file stay
    as they are). Every problem is reported; with any, :class:`ValidationFailed` is raised
    after trying all (the caller rolls back). ``only_missing`` leaves a language that
    already has translations untouched (the demo loader uses it)."""
    report = ImportReport()
    steps: list[tuple[str, Callable[[], None]]] = []
    for slug, languages in document.get("packages", {}).items():
        for lang, texts in languages.items():
            steps.append((f"packages.{slug}.{lang}", _importer(
                session, report, "package", slug, lang, texts, only_missing)))
    for slug, languages in document.get("modules", {}).items():
        for lang, texts in languages.items():
            steps.append((f"modules.{slug}.{lang}", _importer(
                session, report, "module", slug, lang, texts, only_missing)))
    for where, step in steps:
        try:
            step()
        except AppError as error:
            details = error.details if isinstance(error.details, dict) else {}
            if not details:
                report.errors.append(f"{where}: {error.message}")
            for name, messages in details.items():
                listed = messages if isinstance(messages, list) else [messages]
                report.errors.append(f"{where}.{name}: {'; '.join(map(str, listed))}")
    if report.errors:
        raise ValidationFailed(report.errors[0], {"errors": report.errors})
    return report


def _importer(session: Session, report: ImportReport, kind: str, slug: str, lang: str,
              texts: dict[str, Any], only_missing: bool) -> Callable[[], None]:
    def step() -> None:
        try:
            cleaned = TranslationInputSchema().load({"fields": texts})["texts"]
        except ma.ValidationError as error:
            raise ValidationFailed("Invalid texts.", error.messages) from error
        services.check_target_language(lang)
        if kind == "package":
            package = get_package(session, slug)
            listing = services.package_translations(session, package)
        else:
            module = get_module(session, slug)
            listing = services.module_translations(session, module)
        stored = next(e for e in listing["languages"] if e["lang"] == lang)["fields"]
        if only_missing and stored:
            report.skipped += len(cleaned)
            return
        merged = {name: entry["text"] for name, entry in stored.items()} | cleaned
        if kind == "package":
            services.store_package_translation(session, package, lang, merged)
        else:
            services.store_module_translation(session, module, lang, merged)
        report.stored += len(cleaned)
    return step
