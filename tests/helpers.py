"""Test helpers: an API client that speaks JSON with a bearer token, and data builders."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import event
from werkzeug.test import TestResponse


class ApiClient:
    """Calls ``/api/v1`` with a bearer token (or none)."""

    def __init__(self, client: FlaskClient, token: str | None) -> None:
        self.client = client
        self.token = token

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return {**headers, **(extra or {})}

    def request(self, method: str, path: str, *, headers: dict[str, str] | None = None,
                **kwargs: Any) -> TestResponse:
        """Any request under ``/api/v1``."""
        return self.client.open(f"/api/v1{path}", method=method,
                                headers=self._headers(headers), **kwargs)

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        """GET."""
        return self.request("GET", path, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> TestResponse:
        """POST JSON."""
        return self.request("POST", path, json=json, **kwargs)

    def patch(self, path: str, json: Any = None, **kwargs: Any) -> TestResponse:
        """PATCH JSON."""
        return self.request("PATCH", path, json=json, **kwargs)

    def put(self, path: str, json: Any = None, **kwargs: Any) -> TestResponse:
        """PUT JSON."""
        return self.request("PUT", path, json=json, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> TestResponse:
        """DELETE."""
        return self.request("DELETE", path, **kwargs)


def module_data(title: str = "Introduction to International Migration Law", **fields: Any
                ) -> dict[str, Any]:
    """A valid module body."""
    return {"title": title, "owner_agency": "IOM", "summary": f"About {title}.",
            "learning_objectives": ["Explain the sources of the law."],
            "themes": ["international migration law"], "languages": ["en"],
            "duration_minutes": 60, "delivery_mode": "self-paced e-learning", **fields}


def package_data(module_slugs: list[str], title: str = "Foundations of Migration Governance",
                 **fields: Any) -> dict[str, Any]:
    """A valid package body placing ``module_slugs`` in one section, all required."""
    return {
        "title": title,
        "description": "The entry level.",
        "agencies": ["IOM", "UNITAR"],
        "completion_rule": {"kind": "all_required"},
        "sections": [{"title": "Foundation",
                      "items": [{"module": slug, "required": True} for slug in module_slugs]}],
        **fields,
    }


def error_of(response: TestResponse) -> dict[str, Any]:
    """The ``error`` object of an error response (and a check of the shape)."""
    body = response.get_json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "details"}, body
    assert body["error"]["message"], body
    error: dict[str, Any] = body["error"]
    return error


class QueryCounter:
    """Counts the SQL statements a connection executes while it is active."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.statements: list[str] = []

    def _record(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            self.statements.append(statement)

    def __enter__(self) -> QueryCounter:
        event.listen(self.connection, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *_exc: Any) -> None:
        event.remove(self.connection, "before_cursor_execute", self._record)

    @property
    def count(self) -> int:
        """How many statements ran."""
        return len(self.statements)
