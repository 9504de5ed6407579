"""The curriculum catalogue PDF: every track of the standing curriculum and its packages.

What determines the document is read first, cheaply (the tracks and the ids and content
hashes of their packages' newest versions); the PDF is rendered only when no catalogue was
kept for exactly that state, language, template revision and base URL.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from babel import Locale
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from curriculum.db import insert_unless_present, utcnow
from exports.models import RenderedCatalogue
from exports.pdf import PdfMetadata, render_pdf
from exports.services import check_syllabus_language
from exports.syllabus import (
    RTL_LANGUAGES,
    SOURCE_LANGUAGE,
    catalogue_url,
    page_css,
    template_environment,
    template_revision,
    translations,
)
from packages.models import Package, PackageVersion, Track
from packages.tracks import latest_versions, list_tracks


@dataclass(frozen=True)
class CatalogueTrack:
    """A track as the catalogue prints it: its facts and its packages' newest versions."""

    title: str
    description: str | None
    versions: list[PackageVersion]


def catalogue_key(session: Session, lang: str, base_url: str,
                  revision: str | None = None) -> str:
    """The hash of everything the catalogue in ``lang`` is made of (three small queries)."""
    tracks = list_tracks(session)
    packages = [p for track in tracks for p in track.packages if p.is_published]
    rows = session.execute(
        select(PackageVersion.package_id, PackageVersion.id, PackageVersion.content_hash)
        .join(Package, Package.id == PackageVersion.package_id)
        .where(Package.id.in_([p.id for p in packages]),
               PackageVersion.number == Package.latest_version_number))
    hashes = {package_id: [version_id, content_hash] for package_id, version_id, content_hash
              in rows}
    state = [[track.id, track.title, track.description,
              [hashes[p.id] for p in track.packages if p.id in hashes]] for track in tracks]
    key = json.dumps([state, lang, revision or template_revision(), base_url.rstrip("/")])
    return hashlib.sha256(key.encode()).hexdigest()


def render_catalogue_pdf(session: Session, lang: str = "en", *, base_url: str,
                         revision: str | None = None) -> RenderedCatalogue:
    """The catalogue PDF in ``lang``: the kept one, or rendered now and kept (flushed)."""
    lang = check_syllabus_language(lang, "catalogue")
    revision = revision or template_revision()
    key = catalogue_key(session, lang, base_url, revision)
    found = session.scalar(select(RenderedCatalogue).where(RenderedCatalogue.cache_key == key))
    if found is not None:
        return found
    tracks = catalogue_tracks(session)
    pdf = render_pdf(catalogue_html(tracks, lang, base_url),
                     metadata=catalogue_metadata(tracks, lang))
    # Two requests may render the same catalogue at once: the first insert wins.
    insert_unless_present(session, RenderedCatalogue, {
        "cache_key": key, "lang": lang, "template_revision": revision, "pdf": pdf,
        "size": len(pdf), "created_at": utcnow()})
    stored = session.scalar(select(RenderedCatalogue).options(undefer(RenderedCatalogue.pdf))
                            .where(RenderedCatalogue.cache_key == key))
    assert stored is not None
    return stored


def catalogue_tracks(session: Session) -> list[CatalogueTrack]:
    """Every track with the newest published version of each of its packages, in order."""
    tracks: list[Track] = list_tracks(session)
    versions = latest_versions(session, [p for track in tracks for p in track.packages])
    return [CatalogueTrack(track.title, track.description,
                           [versions[p.id] for p in track.packages if p.id in versions])
            for track in tracks]


def catalogue_html(tracks: list[CatalogueTrack], lang: str, base_url: str) -> str:
    """The catalogue as HTML for :func:`exports.pdf.render_pdf`."""
    base = base_url.rstrip("/")
    rtl = lang in RTL_LANGUAGES
    entries = [[_entry(version, base, lang) for version in track.versions] for track in tracks]
    _ = translations(lang).gettext
    return template_environment(lang).get_template("exports/catalogue.html").render(
        tracks=list(zip(tracks, entries, strict=True)), lang=lang, rtl=rtl,
        title=catalogue_title(lang), edition=_edition(tracks),
        package_count=sum(len(track.versions) for track in tracks),
        src=Markup(f' lang="{SOURCE_LANGUAGE}"' + (' dir="ltr"' if rtl else "")),
        source_lang=SOURCE_LANGUAGE, catalogue_page=f"{base}/catalogue",
        source_language_name=Locale.parse(SOURCE_LANGUAGE).get_display_name(lang),
        page_css=Markup(page_css(lang, _("GMG standing curriculum · Catalogue"))))


def catalogue_title(lang: str = "en") -> str:
    """``Catalogue of joint training packages`` in ``lang``."""
    return translations(lang).gettext("Catalogue of joint training packages")


def catalogue_metadata(tracks: list[CatalogueTrack], lang: str = "en") -> PdfMetadata:
    """The PDF metadata of the catalogue."""
    agencies = [agency["name"] for track in tracks for version in track.versions
                for agency in version.snapshot["co_convening_agencies"]]
    return PdfMetadata(
        title=catalogue_title(lang), authors=list(dict.fromkeys(agencies)), lang=lang,
        subject=translations(lang).gettext("GMG standing curriculum"),
        keywords=["GMG standing curriculum", "catalogue",
                  *(track.title for track in tracks)][:12],
        created=_edition(tracks))


def catalogue_filename(lang: str) -> str:
    """``gmg-curriculum-catalogue-en.pdf``."""
    return f"gmg-curriculum-catalogue-{lang}.pdf"


def _entry(version: PackageVersion, base: str, lang: str) -> dict[str, Any]:
    slug = version.snapshot["slug"]
    return {"package": version.snapshot, "number": version.number,
            "published_at": version.published_at,
            "syllabus_url": f"{base}/packages/{slug}/syllabus.pdf"
                            + ("" if lang == "en" else f"?lang={lang}"),
            "page_url": catalogue_url(base, slug)}


def _edition(tracks: list[CatalogueTrack]) -> datetime | None:
    """The date of the newest version in the catalogue: the edition it is."""
    dates = [version.published_at for track in tracks for version in track.versions]
    return max(dates) if dates else None
