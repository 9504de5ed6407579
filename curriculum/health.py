"""``GET /healthz``: is the service up and can it reach its database?"""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from curriculum.db import get_session

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """200 when the database answers, 503 (with the reason) when it does not."""
    try:
        get_session().execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        return jsonify({"status": "unavailable", "database": "unreachable",
                        "detail": type(error).__name__}), 503
    return jsonify({"status": "ok", "database": "ok"})
