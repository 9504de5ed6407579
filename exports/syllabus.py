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

from babel import Locale
from babel.dates import format_date
from babel.support import NullTranslations, Translations
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from curriculum.formatting import language_name
from curriculum.text import sanitise_html
from exports.pdf import ASSETS, ASSETS_URL, PdfMetadata

TEMPLATES = Path(__file__).parent / "templates"
TRANSLATIONS = Path(__file__).parent / "translations"

#: Bump to re-render every cached syllabus for a reason the files do not show.
TEMPLATE_EDITION = 1

#: The six official languages of the United Nations, in which the fixed texts are written.
SYLLABUS_LANGUAGES = ("en", "fr", "es", "ar", "ru", "zh")
#: Languages written right to left.
RTL_LANGUAGES = frozenset({"ar"})
#: The language the packages' and modules' own texts are written in (no translations stored yet).
SOURCE_LANGUAGE = "en"
#: Babel locales for dates, where the bare code is not the one wanted ("27 November 2026").
DATE_LOCALES = {"en": "en_GB"}


@dataclass(frozen=True)
class SyllabusSource:
    """What a syllabus is made of: a version's frozen content and facts."""

    snapshot: dict[str, Any]
    number: int
    published_at: datetime
    change_note: str
    catalogue_url: str | None = None


@cache
def translations(lang: str) -> NullTranslations:
    """The compiled gettext catalogue of ``lang`` (English needs none: the msgids are English)."""
    return Translations.load(TRANSLATIONS, [lang], domain="messages")


def localised_duration(minutes: int | None, lang: str = "en") -> str:
    """``3 h 20 min``, ``3小时20分钟``, ``3 ч 20 мин``, ``3 ساعات و20 دقيقة``."""
    catalogue = translations(lang)
    _, ngettext = catalogue.gettext, catalogue.ngettext
    if minutes is None:
        return _("unknown")
    hours, rest = divmod(int(minutes), 60)
    hours_text = ngettext("%(num)d h", "%(num)d h", hours) % {"num": hours}
    minutes_text = ngettext("%(num)d min", "%(num)d min", rest) % {"num": rest}
    if not hours:
        return minutes_text
    if not rest:
        return hours_text
    return _("%(hours)s %(minutes)s") % {"hours": hours_text, "minutes": minutes_text}


def localised_date(value: datetime | None, lang: str = "en") -> str:
    """``27 November 2026``, ``27 novembre 2026``, ``2026年11月27日``."""
    if value is None:
        return ""
    return format_date(value, format="long", locale=DATE_LOCALES.get(lang, lang))


def delivery_mode(mode: str, lang: str = "en") -> str:
    """A module's delivery mode in ``lang`` (``blended`` -> ``Mixte``); others as stored."""
    _ = translations(lang).gettext
    names = {"blended": _("Blended"), "face-to-face": _("Face to face"),
             "instructor-led online": _("Instructor-led online"),
             "self-paced e-learning": _("Self-paced e-learning"), "toolkit": _("Toolkit")}
    return names.get(mode, mode[:1].upper() + mode[1:])


def page_css(lang: str, footer_text: str | None = None) -> str:
    """The running headers and footers in ``lang``, on the mirrored sides for right to left
    (``footer_text`` replaces the syllabus's own footer, for the other documents)."""
    _ = translations(lang).gettext
    marker_page, marker_pages = "\x00page\x00", "\x00pages\x00"
    counters = {marker_page: "counter(page)", marker_pages: "counter(pages)"}
    text = _("Page %(page)s of %(pages)s") % {"page": marker_page, "pages": marker_pages}
    tokens = [counters.get(part) or _css_string(part)
              for part in text.replace(marker_page, f"\x01{marker_page}\x01")
              .replace(marker_pages, f"\x01{marker_pages}\x01").split("\x01") if part]
    footer = _css_string(footer_text or _("GMG standing curriculum · Syllabus"))
    start, end = ("right", "left") if lang in RTL_LANGUAGES else ("left", "right")
    direction = " direction: rtl;" if lang in RTL_LANGUAGES else ""
    return (f"@page {{{direction} @top-{start} {{ content: string(package-title); }} "
            f"@top-{end} {{ content: string(package-version); }} "
            f"@bottom-{start} {{ content: {footer}; }} "
            f"@bottom-{end} {{ content: {' '.join(tokens)}; }} }}")


def _css_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\a ")
    return f'"{escaped}"'


@cache
def template_environment(lang: str) -> Environment:
    """The Jinja environment of the PDF templates, with the fixed texts and filters in ``lang``."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(),
                      trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.i18n"])
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(
        duration=lambda minutes: localised_duration(minutes, lang),
        language_name=lambda code: language_name(code, lang),
        date=lambda value: localised_date(value, lang),
        mode=lambda mode: delivery_mode(mode, lang),
        safe_html=_safe_html)
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
    rtl = lang in RTL_LANGUAGES
    source_attributes = f' lang="{SOURCE_LANGUAGE}"' + (' dir="ltr"' if rtl else "")
    return template_environment(lang).get_template("exports/syllabus.html").render(
        package=snapshot, source=source, lang=lang, modes=modes, items=items,
        agencies=_agency_names(snapshot), assets_url=ASSETS_URL, rtl=rtl,
        source_lang=SOURCE_LANGUAGE, src=Markup(source_attributes),
        source_language_name=Locale.parse(SOURCE_LANGUAGE).get_display_name(lang),
        page_css=Markup(page_css(lang)), title=syllabus_title(source, lang),
    )


def syllabus_title(source: SyllabusSource, lang: str = "en") -> str:
    """``Foundations of Migration Governance: syllabus, version 2`` in ``lang``."""
    return translations(lang).gettext("%(title)s: syllabus, version %(number)s") % {
        "title": source.snapshot["title"], "number": source.number}


def syllabus_metadata(source: SyllabusSource, lang: str = "en") -> PdfMetadata:
    """The PDF metadata of a syllabus."""
    snapshot = source.snapshot
    return PdfMetadata(
        title=syllabus_title(source, lang),
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
