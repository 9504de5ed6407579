"""The inventory API: ``/api/v1/modules``, ``/api/v1/agencies`` and ``/api/v1/themes``."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import Response, jsonify, request
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import func, select

from curriculum.accounts.auth import require_role
from curriculum.accounts.models import Role
from curriculum.api import SECURED, page_body, page_schema
from curriculum.db import get_session
from curriculum.errors import BadRequest
from curriculum.etags import check_if_match, etag_for
from curriculum.inventory import importing, services
from curriculum.inventory.documents import module_documents
from curriculum.inventory.models import Agency, Theme
from curriculum.inventory.schemas import (
    AgencyCreateSchema,
    AgencySchema,
    AgencyUpdateSchema,
    ImportArgsSchema,
    ImportReportSchema,
    ListQueryArgsSchema,
    ModuleDetailSchema,
    ModuleInputSchema,
    ModuleQueryArgsSchema,
    ModuleSchema,
    ThemeCreateSchema,
    ThemeSchema,
    ThemeUpdateSchema,
)
from curriculum.inventory.search import ModuleQuery, Page, find_module_ids

modules_blp = Blueprint("modules", __name__, description="The inventory of existing modules")
agencies_blp = Blueprint("agencies", __name__, description="Agencies and partner organisations")
themes_blp = Blueprint("themes", __name__, description="Themes of migration training")

EDITOR = require_role(Role.EDITOR)


def _paged(statement: Any, page: int, page_size: int) -> Page:
    session = get_session()
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    items = list(session.scalars(statement.limit(page_size).offset((page - 1) * page_size)))
    return Page(items=items, page=page, page_size=page_size, total=total)


# Modules --------------------------------------------------------------------------------


@modules_blp.route("")
class Modules(MethodView):
    """The module inventory."""

    @modules_blp.arguments(ModuleQueryArgsSchema, location="query")
    @modules_blp.response(200, page_schema(ModuleSchema, "ModulePageSchema"))
    def get(self, args: dict[str, Any]) -> Response:
        """Search modules: a text query ``q`` and filters, a page at a time."""
        page, page_size = args.pop("page"), args.pop("page_size")
        session = get_session()
        found = find_module_ids(session, ModuleQuery(**args), page=page, page_size=page_size)
        # The documents are built as ModuleSchema dumps them (see inventory.documents): a
        # Response passes flask-smorest's dump untouched.
        return jsonify(page_body(replace(found, items=module_documents(session, found.items))))

    @EDITOR
    @modules_blp.arguments(ModuleInputSchema)
    @modules_blp.response(201, ModuleDetailSchema)
    @modules_blp.doc(security=SECURED)
    def post(self, data: dict[str, Any]) -> Any:
        """Add a module to the inventory."""
        module = services.create_module(get_session(), data)
        return module, 201, {"ETag": etag_for(module.revision)}


@modules_blp.route("/<slug>")
class ModuleById(MethodView):
    """One module."""

    @modules_blp.response(200, ModuleDetailSchema)
    def get(self, slug: str) -> Any:
        """Read a module."""
        module = services.get_module(get_session(), slug)
        return module, 200, {"ETag": etag_for(module.revision)}

    @EDITOR
    @modules_blp.arguments(ModuleInputSchema(partial=True))
    @modules_blp.response(200, ModuleDetailSchema)
    @modules_blp.doc(security=SECURED)
    def patch(self, data: dict[str, Any], slug: str) -> Any:
        """Change some fields of a module (send ``If-Match`` to detect concurrent edits)."""
        session = get_session()
        module = services.get_module(session, slug)
        check_if_match(module.revision)
        if "slug" in data and data["slug"] != slug:
            raise BadRequest("A module's slug never changes; leave it out.")
        module = services.update_module(session, module, data)
        return module, 200, {"ETag": etag_for(module.revision)}


@modules_blp.route("/<slug>/retire")
class ModuleRetirement(MethodView):
    """Retiring a module."""

    @EDITOR
    @modules_blp.response(200, ModuleDetailSchema)
    @modules_blp.doc(security=SECURED)
    def post(self, slug: str) -> Any:
        """Retire a module: published versions keep it, new packages cannot add it."""
        session = get_session()
        return services.retire_module(session, services.get_module(session, slug))


@modules_blp.route("/<slug>/restore")
class ModuleRestoration(MethodView):
    """Restoring a retired module."""

    @EDITOR
    @modules_blp.response(200, ModuleDetailSchema)
    @modules_blp.doc(security=SECURED)
    def post(self, slug: str) -> Any:
        """Bring a retired module back."""
        session = get_session()
        return services.restore_module(session, services.get_module(session, slug))


@modules_blp.route("/import")
class ModuleImport(MethodView):
    """Importing an inventory file."""

    @EDITOR
    @modules_blp.arguments(ImportArgsSchema, location="query")
    @modules_blp.response(200, ImportReportSchema)
    @modules_blp.doc(security=SECURED, description=(
        "Send the file as the request body (`Content-Type: text/csv` or `application/json`) "
        "or as the multipart field `file`. Every row is checked first; when one is invalid "
        "nothing is written (422, the problems in `details`) unless `skip_invalid=true`."))
    def post(self, args: dict[str, Any]) -> Any:
        """Import modules from CSV or JSON."""
        upload = request.files.get("file")
        if upload is not None:
            content, name, kind = upload.read(), upload.filename, upload.mimetype
        else:
            content, name, kind = request.get_data(), None, request.mimetype
        if not content:
            raise BadRequest("Send a CSV or JSON file as the body or as the form field 'file'.")
        fmt = args.get("format") or importing.detect_format(name, kind)
        text = importing.decode(content)
        warnings: list[str] = []
        rows = (importing.read_csv(text, warnings) if fmt == "csv"
                else importing.read_json(text))
        return importing.import_modules(get_session(), rows, fmt=fmt, dry_run=args["dry_run"],
                                        skip_invalid=args["skip_invalid"], warnings=warnings)


# Agencies -------------------------------------------------------------------------------


@agencies_blp.route("")
class Agencies(MethodView):
    """Agencies and partner organisations."""

    @agencies_blp.arguments(ListQueryArgsSchema, location="query")
    @agencies_blp.response(200, page_schema(AgencySchema, "AgencyPageSchema"))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List agencies by code."""
        return page_body(_paged(select(Agency).order_by(Agency.code), **args))

    @EDITOR
    @agencies_blp.arguments(AgencyCreateSchema)
    @agencies_blp.response(201, AgencySchema)
    @agencies_blp.doc(security=SECURED)
    def post(self, data: dict[str, Any]) -> Agency:
        """Add an agency."""
        return services.create_agency(get_session(), data)


@agencies_blp.route("/<slug>")
class AgencyById(MethodView):
    """One agency."""

    @agencies_blp.response(200, AgencySchema)
    def get(self, slug: str) -> Agency:
        """Read an agency."""
        return services.get_agency(get_session(), slug)

    @EDITOR
    @agencies_blp.arguments(AgencyUpdateSchema)
    @agencies_blp.response(200, AgencySchema)
    @agencies_blp.doc(security=SECURED)
    def patch(self, data: dict[str, Any], slug: str) -> Agency:
        """Change an agency's name, URL or membership."""
        session = get_session()
        return services.update_agency(session, services.get_agency(session, slug), data)


# Themes ---------------------------------------------------------------------------------


@themes_blp.route("")
class Themes(MethodView):
    """Themes of migration training."""

    @themes_blp.arguments(ListQueryArgsSchema, location="query")
    @themes_blp.response(200, page_schema(ThemeSchema, "ThemePageSchema"))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List themes by name."""
        return page_body(_paged(select(Theme).order_by(Theme.name), **args))

    @EDITOR
    @themes_blp.arguments(ThemeCreateSchema)
    @themes_blp.response(201, ThemeSchema)
    @themes_blp.doc(security=SECURED)
    def post(self, data: dict[str, Any]) -> Theme:
        """Add a theme."""
        return services.create_theme(get_session(), data)


@themes_blp.route("/<slug>")
class ThemeById(MethodView):
    """One theme."""

    @themes_blp.response(200, ThemeSchema)
    def get(self, slug: str) -> Theme:
        """Read a theme."""
        return services.get_theme(get_session(), slug)

    @EDITOR
    @themes_blp.arguments(ThemeUpdateSchema)
    @themes_blp.response(200, ThemeSchema)
    @themes_blp.doc(security=SECURED)
    def patch(self, data: dict[str, Any], slug: str) -> Theme:
        """Rename a theme or change its description."""
        session = get_session()
        return services.update_theme(session, services.get_theme(session, slug), data)
