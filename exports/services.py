"""Syllabus services: find the cached PDF of a version or render and keep it."""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from curriculum.db import insert_unless_present, utcnow
from curriculum.errors import ValidationFailed
from curriculum.formatting import language_name
from exports.models import RenderedSyllabus
from exports.pdf import render_pdf
from exports.syllabus import (
    SYLLABUS_LANGUAGES,
    SyllabusSource,
    syllabus_html,
    syllabus_metadata,
    template_revision,
)
from packages.models import PackageVersion


def check_syllabus_language(lang: str, document: str = "syllabus") -> str:
    """``lang`` if syllabi (and the other documents) are written in it, else
    :class:`ValidationFailed` that says why."""
    if lang in SYLLABUS_LANGUAGES:
        return lang
    available = ", ".join(f"{language_name(code)} ({code})" for code in SYLLABUS_LANGUAGES)
    message = f"There is no {document} in '{lang[:20]}'; it is available in {available}."
    raise ValidationFailed(message, {"lang": [message]})


def syllabus_etag(version: PackageVersion, lang: str, revision: str) -> str:
    """The ETag of a syllabus: what determines its bytes, hashed."""
    key = f"{version.content_hash}\0{version.number}\0{lang}\0{revision}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def source_of(version: PackageVersion, catalogue_url: str | None = None) -> SyllabusSource:
    """What the syllabus of ``version`` is made of."""
    return SyllabusSource(snapshot=version.snapshot, number=version.number,
                          published_at=version.published_at, change_note=version.change_note,
                          catalogue_url=catalogue_url)


def find_rendered_syllabus(session: Session, version: PackageVersion, lang: str,
                           revision: str | None = None) -> RenderedSyllabus | None:
    """The cached syllabus (without its bytes loaded), or ``None``."""
    return session.scalar(select(RenderedSyllabus).where(
        RenderedSyllabus.package_version_id == version.id, RenderedSyllabus.lang == lang,
        RenderedSyllabus.template_revision == (revision or template_revision())))


def render_syllabus_pdf(session: Session, version: PackageVersion, lang: str = "en", *,
                        revision: str | None = None,
                        catalogue_url: str | None = None) -> RenderedSyllabus:
    """The syllabus of ``version``: the cached one, or rendered now and kept (flushed)."""
    lang = check_syllabus_language(lang)
    revision = revision or template_revision()
    found = find_rendered_syllabus(session, version, lang, revision)
    if found is not None:
        return found
    source = source_of(version, catalogue_url)
    pdf = render_pdf(syllabus_html(source, lang), metadata=syllabus_metadata(source, lang))
    # Two requests may render the same syllabus at once: the first insert wins, both agree.
    insert_unless_present(session, RenderedSyllabus, {
        "package_version_id": version.id, "lang": lang, "template_revision": revision,
        "pdf": pdf, "etag": syllabus_etag(version, lang, revision), "size": len(pdf),
        "created_at": utcnow(),
    })
    stored = session.scalar(select(RenderedSyllabus).options(undefer(RenderedSyllabus.pdf))
                            .where(RenderedSyllabus.package_version_id == version.id,
                                   RenderedSyllabus.lang == lang,
                                   RenderedSyllabus.template_revision == revision))
    assert stored is not None
    return stored
