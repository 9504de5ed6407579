"""Certificates of completion: issued once per holder and published version, verified by code.

The completions service calls :func:`issue_certificate` when a learner completes a package;
anyone holding the code can check the certificate at ``/certificates/<code>``, and download
its one-page PDF again at ``/certificates/<code>.pdf``.
"""

from __future__ import annotations

import hashlib
import unicodedata
from datetime import datetime

import segno
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from curriculum.db import insert_unless_present, utcnow
from curriculum.errors import NotFound, ValidationFailed
from exports.codes import format_code, new_code, normalise_code
from exports.models import Certificate
from exports.pdf import PdfMetadata, render_pdf
from exports.services import check_syllabus_language
from exports.syllabus import (
    RTL_LANGUAGES,
    SOURCE_LANGUAGE,
    template_environment,
    template_revision,
    translations,
)
from packages.models import PackageVersion

MAX_NAME_LENGTH = 300
MAX_HOLDER_KEY_LENGTH = 255
#: A new code is drawn when one is already taken (1 chance in 2^60 for each certificate held).
_CODE_ATTEMPTS = 5


class CertificateNotFound(NotFound):
    """No certificate has the code (its page offers to type the code again)."""

    template = "exports/certificate_missing.html"


def issue_certificate(session: Session, *, holder_key: str, learner_name: str,
                      package_version: PackageVersion, completed_at: datetime,
                      lang: str = "en") -> Certificate:
    """The certificate of ``holder_key`` for ``package_version``: issued now (flushed), or
    the one issued before, unchanged, if this holder already has one for this version.

    ``holder_key`` identifies the learner for the caller and is never shown: an LMS user
    qualified by its platform (``"<platform id>:<sub>"``). ``learner_name`` is printed
    exactly as given. ``lang`` is the certificate's language (en, fr, es, ar, ru, zh).
    """
    holder_key = _checked_holder_key(holder_key)
    learner_name = _checked_name(learner_name)
    lang = check_syllabus_language(lang, "certificate")
    if completed_at.tzinfo is None:
        raise ValueError("completed_at must be timezone-aware")
    agencies = [{"code": agency["code"], "name": agency["name"]}
                for agency in package_version.snapshot["co_convening_agencies"]]
    for _attempt in range(_CODE_ATTEMPTS):
        # One statement, no savepoint: a second completion racing this one inserts nothing.
        insert_unless_present(session, Certificate, {
            "code": new_code(), "holder_key": holder_key, "learner_name": learner_name,
            "package_version_id": package_version.id, "completed_at": completed_at,
            "lang": lang, "agencies": agencies, "issued_at": utcnow(),
        })
        found = session.scalar(select(Certificate).where(
            Certificate.holder_key == holder_key,
            Certificate.package_version_id == package_version.id))
        if found is not None:
            return found
    raise RuntimeError("Could not draw an unused certificate code")  # pragma: no cover


def find_certificate(session: Session, code: str) -> Certificate:
    """The certificate with ``code`` as a person typed it; :class:`MalformedCode` for what
    cannot be a code, :class:`NotFound` for a code that no certificate has."""
    normalised = normalise_code(code)
    certificate = session.scalar(
        select(Certificate).options(joinedload(Certificate.package_version)
                                    .joinedload(PackageVersion.package))
        .where(Certificate.code == normalised))
    if certificate is None:
        raise CertificateNotFound(f"No certificate has the code {format_code(normalised)}. "
                                  "Check the code printed at the foot of the certificate.")
    return certificate


def verification_url(base_url: str, certificate: Certificate) -> str:
    """The public page that confirms ``certificate``: ``<base>/certificates/K7QM-4XPT-9HDR``."""
    return f"{base_url.rstrip('/')}/certificates/{format_code(certificate.code)}"


def certificate_pdf(session: Session, certificate: Certificate, base_url: str) -> bytes:
    """The certificate's PDF: the one kept, or rendered now and kept (flushed)."""
    key = _pdf_key(certificate, base_url)
    stored = session.scalar(select(Certificate.pdf).where(
        Certificate.id == certificate.id, Certificate.pdf_key == key))
    if stored is not None:
        return stored
    pdf = render_pdf(certificate_html(certificate, base_url),
                     metadata=certificate_metadata(certificate))
    certificate.pdf, certificate.pdf_key = pdf, key
    session.flush()
    return pdf


def certificate_etag(certificate: Certificate, base_url: str) -> str:
    """The ETag of a certificate's PDF."""
    return _pdf_key(certificate, base_url)[:32]


def certificate_html(certificate: Certificate, base_url: str) -> str:
    """The certificate as HTML for :func:`exports.pdf.render_pdf` (one landscape page)."""
    lang = certificate.lang
    rtl = lang in RTL_LANGUAGES
    url = verification_url(base_url, certificate)
    snapshot = certificate.package_version.snapshot
    qr = segno.make(url, error="m").svg_data_uri(scale=4, border=0, dark="#0b2e4f")
    return template_environment(lang).get_template("exports/certificate.html").render(
        certificate=certificate, package=snapshot, number=certificate.package_version.number,
        code=format_code(certificate.code), url=url, qr=qr, lang=lang, rtl=rtl,
        src=Markup(f' lang="{SOURCE_LANGUAGE}"' + (' dir="ltr"' if rtl else "")),
        name_size=_name_size(certificate.learner_name), title=certificate_title(certificate))


def certificate_title(certificate: Certificate) -> str:
    """``Certificate of completion: <package title>`` in the certificate's language."""
    return translations(certificate.lang).gettext("Certificate of completion: %(title)s") % {
        "title": certificate.package_version.snapshot["title"]}


def certificate_metadata(certificate: Certificate) -> PdfMetadata:
    """The PDF metadata of a certificate."""
    return PdfMetadata(title=certificate_title(certificate),
                       authors=[agency["name"] for agency in certificate.agencies],
                       lang=certificate.lang, subject=certificate.learner_name,
                       keywords=["GMG standing curriculum", "certificate of completion"],
                       created=certificate.issued_at)


def certificate_filename(certificate: Certificate) -> str:
    """``certificate-K7QM-4XPT-9HDR.pdf``."""
    return f"certificate-{format_code(certificate.code)}.pdf"


def _pdf_key(certificate: Certificate, base_url: str) -> str:
    key = f"{certificate.code}\0{certificate.lang}\0{template_revision()}\0{base_url}"
    return hashlib.sha256(key.encode()).hexdigest()


def _name_size(name: str) -> str:
    """A type size class that keeps long names on the page without shrinking short ones."""
    length = len(name)
    return "name-l" if length <= 32 else "name-m" if length <= 60 else "name-s"


def _checked_name(name: str) -> str:
    """The name unchanged, if it can be printed: not blank, not too long, no control
    characters (which no LMS sends in a name and no PDF can show)."""
    problem = None
    if not name.strip():
        problem = "The learner's name is empty."
    elif len(name) > MAX_NAME_LENGTH:
        problem = f"The learner's name is longer than {MAX_NAME_LENGTH} characters."
    elif any(unicodedata.category(char) == "Cc" for char in name):
        problem = "The learner's name holds control characters."
    if problem:
        raise ValidationFailed(problem, {"learner_name": [problem]})
    return name


def _checked_holder_key(key: str) -> str:
    if not key.strip() or len(key) > MAX_HOLDER_KEY_LENGTH or "\x00" in key:
        message = f"The holder key must be 1 to {MAX_HOLDER_KEY_LENGTH} characters."
        raise ValidationFailed(message, {"holder_key": [message]})
    return key
