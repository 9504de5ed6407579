"""The syllabus of a published package version as print-ready HTML, from the frozen snapshot.

The HTML depends only on the snapshot, the version's number, date and change note, the language
and the templates; :func:`template_revision` fingerprints the templates and assets so that a
change of design renders every cached syllabus anew.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from curriculum.formatting import format_date, format_duration, language_name
from curriculum.text import sanitise_html
from exports.pdf import ASSETS, ASSETS_URL, PdfMetadata

TEMPLATES = Path(__file__).parent / "templates"

#: Bump to re-render every cached syllabus for a reason the files do not show.
TEMPLATE_EDITION = 1

#: Languages the syllabus is written in now; the others of the six come with the translations.
SYLLABUS_LANGUAGES = ("en",)
PLANNED_LANGUAGES = ("fr", "es", "ar", "ru", "zh")


@dataclass(frozen=True)
class SyllabusSource:
    """What a syllabus is made of: a version's frozen content and facts."""

    snapshot: dict[str, Any]
    number: int
    published_at: datetime
    change_note: str
    catalogue_url: str | None = None


@cache
def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(duration=format_duration, language_name=language_name,
                       date=format_date, safe_html=_safe_html)
    return env


@cache
def template_revision() -> str:
    """A fingerprint of the templates and assets (computed once per process)."""
    digest = hashlib.sha256(f"edition {TEMPLATE_EDITION}".encode())
    for folder in (TEMPLATES, ASSETS):
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def _safe_html(html: str | None) -> Markup:
    """Module HTML sanitised again at the door (the stored copy already is)."""
    return Markup(sanitise_html(html) or "")  # nh3 has just cleaned it


def syllabus_html(source: SyllabusSource, lang: str = "en") -> str:
    """The syllabus as HTML for :func:`exports.pdf.render_pdf`."""
    snapshot = source.snapshot
    items = [item for section in snapshot["sections"] for item in section["items"]]
    modes = sorted({item["module"]["delivery_mode"] for item in items
                    if item["module"]["delivery_mode"]})
    return _environment().get_template("exports/syllabus.html").render(
        package=snapshot, source=source, lang=lang, modes=modes, items=items,
        agencies=_agency_names(snapshot), assets_url=ASSETS_URL,
    )


def syllabus_metadata(source: SyllabusSource, lang: str = "en") -> PdfMetadata:
    """The PDF metadata of a syllabus."""
    snapshot = source.snapshot
    return PdfMetadata(
        title=f"{snapshot['title']}: syllabus, version {source.number}",
        authors=_agency_names(snapshot),
        lang=lang,
        subject=snapshot.get("description") or snapshot["title"],
        keywords=list(dict.fromkeys(["GMG standing curriculum", "syllabus", *(
            theme["name"] for section in snapshot["sections"] for item in section["items"]
            for theme in item["module"]["themes"])]))[:12],
        created=source.published_at,
    )


def syllabus_filename(snapshot: dict[str, Any], number: int, lang: str) -> str:
    """``foundations-of-migration-governance-v2-en.pdf``."""
    return f"{snapshot['slug']}-v{number}-{lang}.pdf"


def _agency_names(snapshot: dict[str, Any]) -> list[str]:
    return [agency["name"] for agency in snapshot["co_convening_agencies"]]


def catalogue_url(base_url: str, slug: str) -> str:
    """The public catalogue page of a package, printed in its syllabus."""
    return f"{base_url.rstrip('/')}/catalogue/packages/{slug}"
