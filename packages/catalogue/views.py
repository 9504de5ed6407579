"""Public catalogue pages (HTML). They call the same read functions as the API."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from curriculum.db import get_session
from curriculum.errors import BadRequest, NotFound
from curriculum.inventory.models import Agency, Theme
from curriculum.inventory.schemas import ModuleQueryArgsSchema
from curriculum.inventory.search import ModuleQuery, search_modules
from curriculum.inventory.services import get_module
from curriculum.inventory.vocabulary import DELIVERY_MODES, LEVELS
from packages import reading, services

bp = Blueprint("catalogue", __name__, template_folder="templates")

MODULE_FILTERS = ("q", "agency", "theme", "language", "level", "mode")


@bp.get("/")
def home() -> ResponseReturnValue:
    """The front page is the catalogue."""
    return redirect(url_for("catalogue.index"))


@bp.get("/catalogue")
def index() -> ResponseReturnValue:
    """The standing curriculum: its tracks and their packages."""
    session = get_session()
    tracks = reading.read_tracks(session)
    in_tracks = {p["slug"] for track in tracks for p in track["packages"]}
    others = [p for p in reading.list_packages(session, page_size=100).items
              if p["slug"] not in in_tracks]
    return render_template("catalogue/index.html", tracks=tracks, other_packages=others)


@bp.get("/catalogue/packages/<slug>")
def package(slug: str) -> ResponseReturnValue:
    """A published package: its sections, modules, objectives, agencies and duration."""
    session = get_session()
    found = services.get_package(session, slug, published_only=True)
    versions = services.list_versions(session, found)
    number = request.args.get("version", type=int) or found.latest_version_number
    version = next((v for v in versions if v.number == number), None)
    if version is None:
        raise NotFound(f"The package '{slug}' has no version {request.args.get('version')}.")
    return render_template("catalogue/package.html", package=version.snapshot, version=version,
                           versions=versions, is_latest=number == found.latest_version_number)


@bp.get("/catalogue/modules")
def modules() -> ResponseReturnValue:
    """The module inventory: search and filter every agency's existing training."""
    raw = {key: value for key, value in request.args.items() if value.strip()}
    try:
        args = ModuleQueryArgsSchema().load(raw, unknown=ma.EXCLUDE)
    except ma.ValidationError as error:
        raise BadRequest("Some search filters are not valid.", error.messages) from error
    page, page_size = args.pop("page"), args.pop("page_size")
    session = get_session()
    results = search_modules(session, ModuleQuery(**args), page=page, page_size=page_size)
    return render_template(
        "catalogue/modules.html", results=results, filters=raw,
        agencies=session.scalars(select(Agency).order_by(Agency.name)).all(),
        themes=session.scalars(select(Theme).order_by(Theme.name)).all(),
        levels=LEVELS, modes=DELIVERY_MODES, page_link=_page_link(raw),
    )


@bp.get("/catalogue/modules/<slug>")
def module(slug: str) -> ResponseReturnValue:
    """One module of the inventory and the packages that use it."""
    session = get_session()
    found = get_module(session, slug)
    used_in = reading.list_packages(session, module=slug, page_size=100).items
    return render_template("catalogue/module.html", module=found, used_in=used_in)


def _page_link(filters: dict[str, Any]) -> Any:
    def link(page: int) -> str:
        return url_for("catalogue.modules", **{**filters, "page": page})
    return link
