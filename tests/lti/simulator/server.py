"""The simulator's HTTP server: every platform under its own path on one loopback port."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from types import TracebackType
from typing import Any, Literal, overload

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from .canvas import CanvasPlatform
from .keys import SigningKey, key_set
from .moodle import MoodlePlatform
from .platform import Platform

Flavour = Literal["moodle", "canvas"]
FLAVOURS: dict[str, type[Platform]] = {"moodle": MoodlePlatform, "canvas": CanvasPlatform}


class QuietRequestHandler(WSGIRequestHandler):
    """Werkzeug's handler without a log line per request (errors are still logged)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Log nothing for a served request."""


class Simulator:
    """A threaded HTTP server on 127.0.0.1 hosting simulated platforms (a context manager)."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.platforms: dict[str, Platform] = {}
        self.documents: dict[str, Any] = {}
        self.document_hits: dict[str, int] = {}
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>`` once started."""
        if self._server is None:
            raise RuntimeError("the simulator is not running")
        return f"http://{self.host}:{self._server.server_port}"

    def start(self) -> Simulator:
        """Serve on a free port in a background thread."""
        self._server = make_server(self.host, 0, self, threaded=True,
                                   request_handler=QuietRequestHandler)
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        name="lti-platform-simulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port."""
        if self._server is not None:
            self._server.shutdown()
            if self._thread is not None:
                self._thread.join(timeout=10)
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Simulator:
        """Start on entry."""
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        """Stop on exit."""
        self.stop()

    @overload
    def add_platform(self, flavour: Literal["moodle"], *, slug: str | None = ...,
                     key_label: str | None = ..., **options: Any) -> MoodlePlatform: ...

    @overload
    def add_platform(self, flavour: Literal["canvas"], *, slug: str | None = ...,
                     key_label: str | None = ..., **options: Any) -> CanvasPlatform: ...

    def add_platform(self, flavour: Flavour, *, slug: str | None = None,
                     key_label: str | None = None, **options: Any) -> Platform:
        """A new platform served under ``/<slug>`` (``moodle``, ``moodle2``... by default).

        Keys are named after the slug, so a platform that reuses a freed slug reuses its keys
        (generated once per session). ``options`` go to the platform (``client_id``,
        ``tool_jwks_url``, ``tool_login_url``, ``tool_redirect_uris``...).
        """
        with self._lock:
            slug = slug or self._free_slug(flavour)
            if slug in self.platforms:
                raise ValueError(f"a platform already uses /{slug}")
            platform = FLAVOURS[flavour](self.base_url, slug, key_label=key_label, **options)
            self.platforms[slug] = platform
        return platform

    def _free_slug(self, flavour: str) -> str:
        """The first of ``flavour``, ``flavour2``, ... that no platform uses."""
        number = 1
        while (slug := flavour if number == 1 else f"{flavour}{number}") in self.platforms:
            number += 1
        return slug

    def remove_platform(self, platform: Platform) -> None:
        """Stop serving ``platform``; its slug becomes free."""
        with self._lock:
            self.platforms.pop(platform.slug, None)

    def host_jwks(self, keys: Iterable[SigningKey], name: str = "tool") -> str:
        """Serve a key set (a stand-in tool's) at ``/_hosted/<name>/jwks``; its URL."""
        return self.host_json(f"{name}/jwks", key_set(*keys))

    def host_json(self, path: str, document: Any) -> str:
        """Serve ``document`` as JSON at ``/_hosted/<path>``; its URL."""
        with self._lock:
            self.documents[path] = document
        return f"{self.base_url}/_hosted/{path}"

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        """The WSGI entry point: route ``/<slug>/...`` to the platform with that slug."""
        request = Request(environ)
        slug, _, rest = request.path.lstrip("/").partition("/")
        if slug == "_hosted":
            response = self._serve_document(rest)
        elif (platform := self.platforms.get(slug)) is not None:
            response = platform.handle(request, "/" + rest)
        else:
            response = Response("no such platform", status=404, mimetype="text/plain")
        return response(environ, start_response)

    def _serve_document(self, path: str) -> Response:
        """A hosted JSON document."""
        with self._lock:
            document = self.documents.get(path)
            self.document_hits[path] = self.document_hits.get(path, 0) + 1
        if document is None:
            return Response("not found", status=404, mimetype="text/plain")
        return Response(json.dumps(document), mimetype="application/json")
