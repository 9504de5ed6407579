"""Fixtures of the inventory tests: a picture of what is stored, modules made through the API,
and files to import."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from curriculum.inventory.models import Agency, Module, Theme
from curriculum.inventory.services import module_values
from tests.helpers import ApiClient, module_data

Picture = dict[str, Any]


@pytest.fixture
def stored(session: Session) -> Callable[[], Picture]:
    """Takes a picture of everything the inventory stores, to show a rejected request changed
    nothing: compare a picture taken before with one taken after."""

    def picture() -> Picture:
        session.expire_all()
        modules = session.scalars(select(Module).order_by(Module.slug))
        agencies = session.scalars(select(Agency).order_by(Agency.slug))
        themes = session.scalars(select(Theme).order_by(Theme.slug))
        return {
            "modules": [{**module_values(m), "revision": m.revision} for m in modules],
            "agencies": [(a.slug, a.code, a.name, a.url, a.is_gmg_member) for a in agencies],
            "themes": [(t.slug, t.name, t.description) for t in themes],
        }

    return picture


@pytest.fixture
def create_module(api: ApiClient) -> Callable[..., dict[str, Any]]:
    """Adds a module through the API and returns its JSON."""

    def create(title: str = "Introduction to International Migration Law", **fields: Any
               ) -> dict[str, Any]:
        response = api.post("/modules", module_data(title, **fields))
        assert response.status_code == 201, response.get_json()
        body: dict[str, Any] = response.get_json()
        return body

    return create


@pytest.fixture
def upload(api: ApiClient) -> Callable[..., TestResponse]:
    """Posts a file to the import endpoint as the request body."""

    def send(content: str | bytes, content_type: str = "text/csv", query: str = ""
             ) -> TestResponse:
        data = content.encode() if isinstance(content, str) else content
        return api.post(f"/modules/import{query}", data=data,
                        headers={"Content-Type": content_type})

    return send


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[[str, str | bytes], Path]:
    """Writes a file for the CLI to read and returns its path."""

    def write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return write
