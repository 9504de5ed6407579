"""Downloads of rendered files. The views only find bytes and stream them."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request
from flask.typing import ResponseReturnValue

from curriculum.db import get_session
from curriculum.errors import ValidationFailed
from exports.services import render_syllabus_pdf
from exports.syllabus import catalogue_url, syllabus_filename
from packages import services

bp = Blueprint("exports", __name__)

#: A numbered version never changes; "the newest" changes when a version is published.
CACHE_VERSIONED = "public, max-age=86400"
CACHE_NEWEST = "public, max-age=300"


@bp.get("/packages/<slug>/syllabus.pdf")
def syllabus_pdf(slug: str) -> ResponseReturnValue:
    """The PDF syllabus of a published package (newest version, or ``?version=N``)."""
    raw_version = request.args.get("version", "").strip()
    if raw_version and not raw_version.isdigit():
        raise ValidationFailed("The version must be a whole number, like ?version=2.",
                               {"version": ["Not a whole number."]})
    lang = request.args.get("lang", "en").strip().lower() or "en"
    session = get_session()
    package = services.get_package(session, slug, published_only=True)
    number = int(raw_version) if raw_version else package.latest_version_number
    assert number is not None  # published_only
    version = services.get_version(session, package, number)
    rendered = render_syllabus_pdf(
        session, version, lang, catalogue_url=catalogue_url(current_app.config["BASE_URL"], slug))
    response = Response(mimetype="application/pdf")
    response.set_etag(rendered.etag)
    response.headers["Cache-Control"] = CACHE_VERSIONED if raw_version else CACHE_NEWEST
    response.headers["Content-Disposition"] = (
        f'inline; filename="{syllabus_filename(version.snapshot, version.number, lang)}"')
    response.make_conditional(request)
    if response.status_code != 304:
        response.set_data(rendered.pdf)
    return response
