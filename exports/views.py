"""Downloads of rendered files. The views only find bytes and stream them."""

from __future__ import annotations

import math

from flask import Blueprint, Response, current_app, jsonify, render_template, request
from flask.typing import ResponseReturnValue

from curriculum.db import get_session
from curriculum.errors import ValidationFailed, wants_json
from exports.jobs import enqueue_syllabus
from exports.services import (
    check_syllabus_language,
    find_rendered_syllabus,
    module_count,
    render_syllabus_pdf,
)
from exports.syllabus import catalogue_url, syllabus_filename
from packages import services
from packages.models import PackageVersion

bp = Blueprint("exports", __name__, template_folder="templates")

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
    lang = check_syllabus_language(lang)
    modules = module_count(version)
    if (modules > current_app.config["SYLLABUS_INLINE_MAX_MODULES"]
            and find_rendered_syllabus(session, version, lang) is None):
        enqueue_syllabus(session, version.id, lang, requeue=True)
        return _preparing(version, lang, modules)
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


def _preparing(version: PackageVersion, lang: str, modules: int) -> ResponseReturnValue:
    """202: the worker is rendering this (very large) syllabus; the same URL will have it."""
    # About 25 ms of layout a module on this kind of machine, and a little for the queue.
    retry_after = max(5, math.ceil(modules * 0.025) + 2)
    title, url = version.snapshot["title"], request.full_path.rstrip("?")
    message = (f"The syllabus of {title}, version {version.number} ({lang}), is being "
               f"prepared; ask again in about {retry_after} seconds.")
    if wants_json():
        response = jsonify({"status": "preparing", "message": message, "url": url,
                            "retry_after": retry_after})
    else:
        response = Response(render_template(
            "exports/pages/syllabus_preparing.html", title=title, number=version.number,
            modules=modules, retry_after=retry_after, url=url))
    response.status_code = 202
    response.headers["Retry-After"] = str(retry_after)
    response.headers["Cache-Control"] = "no-store"
    return response
