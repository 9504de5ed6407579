"""Syllabus services: find the cached PDF of a version or render and keep it."""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session, defer, undefer

from curriculum.db import insert_unless_present, utcnow
from curriculum.errors import NotFound, ValidationFailed
from curriculum.formatting import language_name
from exports.models import RenderedSyllabus
from exports.pdf import render_pdf
from exports.rendering import Renderer
from exports.syllabus import (
    SOURCE_LANGUAGE,
    SYLLABUS_LANGUAGES,
    SyllabusSource,
    syllabus_html,
    syllabus_metadata,
    template_revision,
)
from packages.models import Package, PackageVersion
from packages.translations.localise import Localised, localise


def check_syllabus_language(lang: str, document: str = "syllabus") -> str:
    """``lang`` if syllabi (and the other documents) are written in it, else
    :class:`ValidationFailed` that says why."""
    if lang in SYLLABUS_LANGUAGES:
        return lang
    available = ", ".join(f"{language_name(code)} ({code})" for code in SYLLABUS_LANGUAGES)
    message = f"There is no {document} in '{lang[:20]}'; it is available in {available}."
    raise ValidationFailed(message, {"lang": [message]})


def syllabus_etag(version: PackageVersion, lang: str, revision: str,
                  translations_key: str = "") -> str:
    """The ETag of a syllabus: what determines its bytes, hashed."""
    key = f"{version.content_hash}\0{version.number}\0{lang}\0{revision}\0{translations_key}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def source_of(version: PackageVersion, catalogue_url: str | None = None,
              translations: Localised | None = None) -> SyllabusSource:
    """What the syllabus of ``version`` is made of (``translations``: its texts in the
    syllabus's language, from :func:`syllabus_translations`)."""
    return SyllabusSource(snapshot=version.snapshot, number=version.number,
                          published_at=version.published_at, change_note=version.change_note,
                          catalogue_url=catalogue_url, translations=translations)


def syllabus_translations(session: Session, version: PackageVersion, lang: str) -> Localised:
    """The version's texts in ``lang``: translated where a stored translation translates the
    version's very text (so one stored after publishing applies too)."""
    return localise(session, version.snapshot, lang)


def translations_key(session: Session, version: PackageVersion, lang: str) -> str:
    """The fingerprint of the translations the syllabus in ``lang`` shows (none in the
    original language: then the version's content is not even read)."""
    return "" if lang == SOURCE_LANGUAGE else syllabus_translations(session, version, lang).key


def find_published_version(session: Session, slug: str, number: int | None = None
                           ) -> PackageVersion:
    """Version ``number`` (default: the newest) of a published package, its snapshot not
    loaded until used: a cached syllabus is found without reading the package's content."""
    package = session.scalar(select(Package).where(Package.slug == slug))
    if package is None or not package.is_published:
        raise NotFound(f"No package has the slug '{slug}'.")
    number = number or package.latest_version_number
    version = session.scalar(select(PackageVersion).options(defer(PackageVersion.snapshot))
                             .where(PackageVersion.package_id == package.id,
                                    PackageVersion.number == number))
    if version is None:
        raise NotFound(f"The package '{slug}' has no version {number}.")
    return version


def find_rendered_syllabus(session: Session, version: PackageVersion, lang: str,
                           revision: str | None = None, key: str | None = None
                           ) -> RenderedSyllabus | None:
    """The cached syllabus with the current translations (``key``, computed when not given),
    without its bytes loaded, or ``None``."""
    if key is None:
        key = translations_key(session, version, lang)
    return session.scalar(select(RenderedSyllabus).where(
        RenderedSyllabus.package_version_id == version.id, RenderedSyllabus.lang == lang,
        RenderedSyllabus.template_revision == (revision or template_revision()),
        RenderedSyllabus.translations_key == key))


def module_count(version: PackageVersion) -> int:
    """How many modules ``version`` has (what a syllabus's length follows)."""
    return sum(len(section["items"]) for section in version.snapshot["sections"])


def render_syllabus_pdf(session: Session, version: PackageVersion, lang: str = "en", *,
                        revision: str | None = None, catalogue_url: str | None = None,
                        renderer: Renderer = render_pdf) -> RenderedSyllabus:
    """The syllabus of ``version``: the cached one, or rendered now and kept (flushed).

    ``renderer`` turns the HTML into PDF: in this process by default (under
    :data:`exports.pdf.MAX_CONCURRENT_RENDERS`), or the worker's render process.
    """
    lang = check_syllabus_language(lang)
    revision = revision or template_revision()
    translations = syllabus_translations(session, version, lang)
    key = translations.key
    found = find_rendered_syllabus(session, version, lang, revision, key)
    if found is not None:
        return found
    source = source_of(version, catalogue_url, translations)
    pdf = renderer(syllabus_html(source, lang), metadata=syllabus_metadata(source, lang))
    # Two requests may render the same syllabus at once: the first insert wins, both agree.
    insert_unless_present(session, RenderedSyllabus, {
        "package_version_id": version.id, "lang": lang, "template_revision": revision,
        "translations_key": key, "pdf": pdf, "etag": syllabus_etag(version, lang, revision, key),
        "size": len(pdf), "created_at": utcnow(),
    })
    stored = session.scalar(select(RenderedSyllabus).options(undefer(RenderedSyllabus.pdf))
                            .where(RenderedSyllabus.package_version_id == version.id,
                                   RenderedSyllabus.lang == lang,
                                   RenderedSyllabus.template_revision == revision,
                                   RenderedSyllabus.translations_key == key))
    assert stored is not None
    return stored
