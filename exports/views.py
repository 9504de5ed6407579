"""Downloads of rendered files, and the public certificate check. The views only find bytes
and stream them."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from curriculum.db import get_session
from curriculum.errors import ValidationFailed
from exports.catalogue import catalogue_filename, render_catalogue_pdf
from exports.certificates import (
    certificate_etag,
    certificate_filename,
    certificate_pdf,
    find_certificate,
    verification_url,
)
from exports.codes import EXAMPLE, format_code, normalise_code
from exports.services import render_syllabus_pdf
from exports.syllabus import catalogue_url, syllabus_filename
from packages import services

bp = Blueprint("exports", __name__, template_folder="templates")

#: A numbered version never changes; "the newest" changes when a version is published.
CACHE_VERSIONED = "public, max-age=86400"
CACHE_NEWEST = "public, max-age=300"
#: A certificate names a person: browsers may keep it, shared caches and search engines not.
CACHE_PERSONAL = "private, max-age=300"
NO_INDEX = "noindex, nofollow"


@bp.get("/packages/<slug>/syllabus.pdf")
def syllabus_pdf(slug: str) -> ResponseReturnValue:
    """The PDF syllabus of a published package (newest version, or ``?version=N``)."""
    raw_version = request.args.get("version", "").strip()
    if raw_version and not raw_version.isdigit():
        raise ValidationFailed("The version must be a whole number, like ?version=2.",
                               {"version": ["Not a whole number."]})
    lang = _requested_lang()
    session = get_session()
    package = services.get_package(session, slug, published_only=True)
    number = int(raw_version) if raw_version else package.latest_version_number
    assert number is not None  # published_only
    version = services.get_version(session, package, number)
    rendered = render_syllabus_pdf(
        session, version, lang, catalogue_url=catalogue_url(current_app.config["BASE_URL"], slug))
    return _pdf_response(
        rendered.etag, lambda: rendered.pdf,
        filename=syllabus_filename(version.snapshot, version.number, lang),
        cache_control=CACHE_VERSIONED if raw_version else CACHE_NEWEST)


@bp.get("/catalogue.pdf")
def catalogue_pdf() -> ResponseReturnValue:
    """The curriculum catalogue: every track and its packages in one PDF (``?lang=xx``)."""
    lang = _requested_lang()
    rendered = render_catalogue_pdf(get_session(), lang, base_url=current_app.config["BASE_URL"])
    return _pdf_response(rendered.etag, lambda: rendered.pdf,
                         filename=catalogue_filename(lang), cache_control=CACHE_NEWEST)


@bp.get("/certificates")
def certificate_lookup() -> ResponseReturnValue:
    """A form to type a verification code; with ``?code=``, the certificate's page."""
    typed = request.args.get("code", "")
    if not typed.strip():
        response = Response(render_template("exports/certificate_lookup.html", example=EXAMPLE))
        response.headers["X-Robots-Tag"] = NO_INDEX
        return response
    code = format_code(normalise_code(typed))
    return redirect(url_for("exports.certificate_page", code=code), code=303)


@bp.get("/certificates/<code>")
def certificate_page(code: str) -> ResponseReturnValue:
    """The public check of a certificate: who completed which package, when, issued by whom."""
    certificate = find_certificate(get_session(), code)
    if code != format_code(certificate.code):  # one address per certificate
        return redirect(url_for("exports.certificate_page",
                                code=format_code(certificate.code)), code=301)
    response = Response(render_template(
        "exports/certificate_page.html", certificate=certificate,
        code=format_code(certificate.code), version=certificate.package_version,
        package=certificate.package_version.snapshot,
        url=verification_url(current_app.config["BASE_URL"], certificate)))
    response.headers["X-Robots-Tag"] = NO_INDEX
    response.headers["Cache-Control"] = CACHE_PERSONAL
    return response


@bp.get("/certificates/<code>.pdf")
def certificate_download(code: str) -> ResponseReturnValue:
    """The certificate's one-page PDF, to download again."""
    session = get_session()
    certificate = find_certificate(session, code)
    base_url = current_app.config["BASE_URL"]
    response = _pdf_response(certificate_etag(certificate, base_url),
                             lambda: certificate_pdf(session, certificate, base_url),
                             filename=certificate_filename(certificate),
                             cache_control=CACHE_PERSONAL)
    response.headers["X-Robots-Tag"] = NO_INDEX
    return response


def _requested_lang() -> str:
    return request.args.get("lang", "en").strip().lower()[:20] or "en"


def _pdf_response(etag: str, pdf: Callable[[], bytes], *, filename: str,
                  cache_control: str) -> Response:
    """A PDF answer with its ETag: 304 without reading the bytes when the client has them."""
    response = Response(mimetype="application/pdf")
    response.set_etag(etag)
    response.headers["Cache-Control"] = cache_control
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.make_conditional(request)
    if response.status_code != 304:
        response.set_data(pdf())
    return response
