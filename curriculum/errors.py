"""The error hierarchy of the service and the one place that turns errors into responses.

Every API error answers ``{"error": {"code", "message", "details"}}``; pages answer with a
friendly HTML page. Domain code raises these errors; it never builds responses itself.
"""

from __future__ import annotations

import logging
import traceback
from pathlib import Path
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

JSON_DECODER_FILE = str(Path("json", "decoder.py"))


class AppError(Exception):
    """Base of every error the service reports to its users."""

    status = 400
    code = "bad_request"
    template = "error.html"  # the page that shows it outside the API

    def __init__(self, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class BadRequest(AppError):
    """The request itself is malformed."""


class Unauthorized(AppError):
    """No valid credentials came with the request."""

    status = 401
    code = "unauthorized"


class Forbidden(AppError):
    """The credentials are valid but their role does not allow this."""

    status = 403
    code = "forbidden"


class NotFound(AppError):
    """The resource does not exist (or is not visible to this caller)."""

    status = 404
    code = "not_found"


class Conflict(AppError):
    """The request clashes with stored data: a duplicate slug, a concurrent edit."""

    status = 409
    code = "conflict"


class PreconditionFailed(AppError):
    """An ``If-Match`` precondition did not hold: someone else changed the resource."""

    status = 412
    code = "precondition_failed"


class ValidationFailed(AppError):
    """The input is well-formed but breaks a rule; ``details`` names the fields."""

    status = 422
    code = "validation_failed"


HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    412: "precondition_failed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    428: "precondition_required",
    429: "too_many_requests",
}


def error_body(status: int, code: str, message: str, details: Any = None) -> dict[str, Any]:
    """The JSON error shape of ARCHITECTURE.md section 5."""
    return {"error": {"code": code, "message": message, "details": details}}


def wants_json() -> bool:
    """API paths and clients that prefer JSON get JSON errors; browsers get pages."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def _respond(status: int, code: str, message: str, details: Any = None,
             template: str = "error.html") -> Response:
    if wants_json():
        response = jsonify(error_body(status, code, message, details))
    else:
        html = render_template(template, status=status, message=message, details=details)
        response = Response(html, mimetype="text/html")
    response.status_code = status
    return response


def http_exception_response(exc: HTTPException) -> Response:
    """Turn a werkzeug/webargs HTTP exception into our error shape."""
    status = exc.code or 500
    data = getattr(exc, "data", None) or {}
    details = data.get("errors") or data.get("messages")
    message = data.get("message") or exc.description or exc.name
    if status == 422 and details is not None:
        message = "The request did not pass validation; see details for each field."
        details = _flatten_webargs_messages(details)
    response = _respond(status, HTTP_CODES.get(status, "error"), str(message), details)
    for name, value in (data.get("headers") or {}).items():
        response.headers[name] = value
    if status == 405 and exc.get_response().headers.get("Allow"):
        response.headers["Allow"] = exc.get_response().headers["Allow"]
    return response


WEBARGS_LOCATIONS = {"json", "query", "form", "files", "headers"}


def _flatten_webargs_messages(messages: Any) -> Any:
    """webargs nests field errors under the location (``json``, ``query``); keep just fields."""
    if isinstance(messages, dict) and set(messages) <= WEBARGS_LOCATIONS:
        merged: dict[str, Any] = {}
        for location_errors in messages.values():
            if isinstance(location_errors, dict):
                merged.update(location_errors)
        return merged
    return messages


def _raised_by_json_decoder(exc: BaseException) -> bool:
    """Whether ``json.loads`` raised ``exc``: it reports a too deeply nested document as a
    ``RecursionError``, not the ``ValueError`` that Flask and webargs turn into a 400."""
    return any(frame.f_code.co_filename.endswith(JSON_DECODER_FILE)
               for frame, _line in traceback.walk_tb(exc.__traceback__))


def init_app(app: Flask) -> None:
    """Register the handlers that give every error one shape."""

    @app.errorhandler(AppError)
    def handle_app_error(exc: AppError) -> Response:
        return _respond(exc.status, exc.code, exc.message, exc.details,
                        exc.template)

    @app.errorhandler(HTTPException)
    def handle_http_exception(exc: HTTPException) -> Response:
        return http_exception_response(exc)

    @app.errorhandler(DataError)
    def handle_data_error(exc: DataError) -> Response:
        # The schemas should refuse such values first; this keeps any they miss from being a 500.
        log.warning("The database refused a value on %s %s: %s", request.method, request.path,
                    type(exc.orig).__name__)
        return _respond(400, "bad_request", "A value in the request cannot be stored or "
                        "compared (too long, out of range, or holding a NUL character).")

    @app.errorhandler(RecursionError)
    def handle_recursion_error(exc: RecursionError) -> Response:
        if _raised_by_json_decoder(exc):
            return _respond(400, "bad_request", "The JSON body is nested too deeply to read.")
        return handle_unexpected(exc)

    @app.errorhandler(Exception)
    def handle_unexpected(exc: Exception) -> Response:
        log.exception("Unhandled error on %s %s", request.method, request.path)
        return _respond(500, "internal_error", "Something went wrong on our side; it is logged.")
