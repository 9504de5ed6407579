"""The REST API under ``/api/v1``: flask-smorest with our error shape and page envelope."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask, url_for
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from curriculum.errors import http_exception_response

#: The OpenAPI security requirement of the views that need an API token.
SECURED: list[dict[str, list[str]]] = [{"bearerAuth": []}]


class ErrorDetailSchema(ma.Schema):
    """The inside of every error answer."""

    code = ma.fields.String(metadata={"description": "A stable, machine-readable error code"})
    message = ma.fields.String(metadata={"description": "What went wrong, for a person"})
    details = ma.fields.Raw(allow_none=True,
                            metadata={"description": "Field errors or other specifics"})


class ErrorSchema(ma.Schema):
    """Every API error: ``{"error": {"code", "message", "details"}}``."""

    error = ma.fields.Nested(ErrorDetailSchema)


class CurriculumApi(Api):
    """flask-smorest's Api, answering errors in the service's one shape."""

    ERROR_SCHEMA = ErrorSchema

    def handle_http_exception(self, error: HTTPException) -> Any:
        """Every HTTP error, API or page, goes through the service's handler."""
        return http_exception_response(error)


class PageArgsSchema(ma.Schema):
    """``page`` (from 1) and ``page_size`` query arguments."""

    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=100_000))
    page_size = ma.fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=100))


def page_schema(item_schema: type[ma.Schema], name: str) -> type[ma.Schema]:
    """A page envelope schema ``{items, page, page_size, total, total_is_exact, pages}`` for
    ``item_schema``."""
    return type(name, (ma.Schema,), {
        "items": ma.fields.List(ma.fields.Nested(item_schema)),
        "page": ma.fields.Integer(),
        "page_size": ma.fields.Integer(),
        "total": ma.fields.Integer(metadata={
            "description": "How many items there are in all; when `total_is_exact` is false, "
                           "a lower bound (counting stopped there)"}),
        "total_is_exact": ma.fields.Boolean(metadata={
            "description": "False when `total` is a lower bound: a search counts its matches "
                           "up to 1,000 past the page's offset. `pages` then counts the pages "
                           "up to that figure, so a next page is always there to ask for"}),
        "pages": ma.fields.Integer(),
        "__doc__": f"One page of {item_schema.__name__.removesuffix('Schema')} items.",
    })


def page_body(page: Any) -> dict[str, Any]:
    """The envelope of a :class:`curriculum.inventory.search.Page`."""
    return {"items": page.items, "page": page.page, "page_size": page.page_size,
            "total": page.total, "total_is_exact": page.total_is_exact, "pages": page.pages}


def schema_name(schema: type[ma.Schema] | ma.Schema) -> str:
    """The OpenAPI component name of a schema; partial (PATCH) schemas get their own name."""
    cls = schema if isinstance(schema, type) else type(schema)
    name = cls.__name__.removesuffix("Schema")
    if not isinstance(schema, type) and schema.partial:
        name += "Patch"
    return name


def init_app(app: Flask) -> CurriculumApi:
    """Set up the API, its OpenAPI document and its interactive docs."""
    app.config.update(
        API_TITLE="GMG standing curriculum",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        OPENAPI_SWAGGER_UI_URL="/static/vendor/swagger-ui/",
    )
    api = CurriculumApi(app, spec_kwargs={
        "marshmallow_plugin": MarshmallowPlugin(schema_name_resolver=schema_name),
        "info": {"description": "Inventory of existing migration training, joint training "
                                "packages and their published versions, and the curriculum."},
        "components": {"securitySchemes": {
            "bearerAuth": {"type": "http", "scheme": "bearer",
                           "description": "An API token from `curriculum users add`."}}},
    })
    app.add_url_rule("/api/v1/", "api_index", api_index)
    return api


def api_index() -> dict[str, Any]:
    """``GET /api/v1/``: where everything is."""
    return {
        "name": "GMG standing curriculum API",
        "version": "v1",
        "documentation": url_for("api-docs.openapi_swagger_ui", _external=False),
        "openapi": url_for("api-docs.openapi_json", _external=False),
        "resources": {name: f"/api/v1/{name}"
                      for name in ("modules", "agencies", "themes", "packages", "tracks",
                                   "partners", "platforms")},
    }
