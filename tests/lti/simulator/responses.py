"""Answers shared by the service endpoints: JSON bodies, bearer token checks, paging links."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

if TYPE_CHECKING:
    from .core import PlatformCore

T = TypeVar("T")


def json_response(body: Any, status: int = 200, media_type: str = "application/json",
                  headers: dict[str, str] | None = None) -> Response:
    """``body`` as JSON with ``media_type``."""
    return Response(json.dumps(body), status=status, content_type=media_type,
                    headers=headers or {})


def json_error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """An error answer whose JSON body says what went wrong."""
    return json_response({"errors": [{"message": message}], "error": message}, status,
                         headers=headers)


def check_bearer(platform: PlatformCore, request: Request,
                 scopes: Sequence[str]) -> Response | None:
    """A 401/403 answer unless the request bears a live token granting one of ``scopes``."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return json_error(401, "no bearer token", {"WWW-Authenticate": "Bearer"})
    with platform.lock:
        token = platform.tokens.get(header.removeprefix("Bearer ").strip())
    if token is None or token.expires_at <= time.time():
        return json_error(401, "access token unknown or expired",
                          {"WWW-Authenticate": 'Bearer error="invalid_token"'})
    if not token.scopes.intersection(scopes):
        return json_error(403, f"the token lacks a scope among {list(scopes)}",
                          {"WWW-Authenticate": 'Bearer error="insufficient_scope"'})
    return None


def page_size(request: Request, default: int | None, cap: int | None) -> int | None:
    """The page size: the tool's ``limit`` (or ``per_page``), else ``default``, at most ``cap``."""
    asked = request.args.get("limit") or request.args.get("per_page")
    size = int(asked) if asked and asked.isdigit() and int(asked) > 0 else default
    if cap is not None:
        size = min(size or cap, cap)
    return size


def paginate(request: Request, items: Sequence[T], size: int | None,
             all_rels: bool = False) -> tuple[list[T], str | None]:
    """One page of ``items`` (``page`` query parameter) and its ``Link`` header.

    Moodle sends only ``rel="next"``; Canvas also ``current``, ``first`` and ``last``
    (``all_rels``), so a tool must pick ``next`` out of several links.
    """
    if size is None:
        return list(items), None
    page = request.args.get("page", "1")
    number = int(page) if page.isdigit() and int(page) > 0 else 1
    last = max(1, -(-len(items) // size))
    query = {name: value for name, value in request.args.items() if name != "page"}
    query["limit"] = str(size)

    def link(target: int, rel: str) -> str:
        """One ``Link`` entry for page ``target``."""
        return f'<{request.base_url}?{urlencode({**query, "page": target})}>; rel="{rel}"'

    links = [link(number, "current")] if all_rels else []
    if number < last:
        links.append(link(number + 1, "next"))
    if all_rels:
        links += [link(1, "first"), link(last, "last")]
    chunk = list(items[(number - 1) * size:number * size])
    return chunk, ",".join(links) or None
