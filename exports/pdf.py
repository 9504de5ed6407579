"""The one way the service turns HTML into PDF: WeasyPrint with a fetcher that reads nothing
but the project's bundled assets and ``data:`` URIs.

WeasyPrint's default fetcher follows ``file://``, loopback and network URLs found in the HTML
and embeds what they answer; module HTML comes from partners, so every other URL is refused
here (logged at debug level; WeasyPrint then leaves the image or stylesheet out).
"""

from __future__ import annotations

import logging
import mimetypes
import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import DataHandler, Request, url2pathname

from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

log = logging.getLogger(__name__)

ASSETS = Path(__file__).parent / "assets"
ASSETS_URL = ASSETS.resolve().as_uri() + "/"

#: Renders running at once in this process: each takes a core and ~100-200 MB.
MAX_CONCURRENT_RENDERS = 2
_render_slots = threading.BoundedSemaphore(MAX_CONCURRENT_RENDERS)
_counter_lock = threading.Lock()
_renders_done = 0


class RefusedURL(ValueError):
    """A URL the fetcher will not read (WeasyPrint leaves its resource out)."""


class AssetFetcher(URLFetcher):
    """Serves files under one folder and ``data:`` URIs; refuses everything else."""

    def __init__(self, root: Path = ASSETS) -> None:
        super().__init__(allowed_protocols=("file", "data"), allow_redirects=False,
                         fail_on_errors=False)
        self.root = root.resolve()

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        """The asset or data behind ``url``, or :class:`RefusedURL`."""
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            answer = DataHandler().data_open(Request(url))
            return URLFetcherResponse(url, answer.read(), dict(answer.headers.items()))
        if scheme == "file":
            path = self._asset_path(url)
            if path is not None:
                content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})
        log.debug("PDF rendering refused to fetch %.200s", url)
        raise RefusedURL(f"Only the bundled assets can be fetched, not {url[:200]}")

    def _asset_path(self, url: str) -> Path | None:
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            return None
        path = Path(url2pathname(parts.path)).resolve()
        return path if path.is_relative_to(self.root) and path.is_file() else None


@dataclass(frozen=True)
class PdfMetadata:
    """What the PDF's document information says, whatever the HTML's head says."""

    title: str
    authors: list[str] = field(default_factory=list)
    lang: str = "en"
    subject: str | None = None
    keywords: list[str] = field(default_factory=list)
    created: datetime | None = None


def render_pdf(html: str, *, base_url: str = ASSETS_URL, metadata: PdfMetadata) -> bytes:
    """The PDF of ``html``; relative URLs resolve against ``base_url`` (the assets folder)."""
    global _renders_done
    fetcher = AssetFetcher()
    with _render_slots:
        document = HTML(string=html, base_url=base_url, url_fetcher=fetcher).render()
        _apply_metadata(document, metadata)
        for page in document.pages:
            # <a rel=attachment> embeds its target, even a data: URI: no attachments at all.
            page.links = [link for link in page.links if link[0] != "attachment"]
        pdf: bytes = document.write_pdf()
    with _counter_lock:
        _renders_done += 1
    return pdf


def renders_done() -> int:
    """How many PDFs this process rendered (the cache's tests read it)."""
    return _renders_done


def _apply_metadata(document: Any, metadata: PdfMetadata) -> None:
    info = document.metadata
    info.title = metadata.title
    info.authors = list(metadata.authors)
    info.lang = metadata.lang
    info.description = metadata.subject
    info.keywords = list(metadata.keywords)
    info.generator = "GMG standing curriculum"
    if metadata.created is not None:
        info.created = metadata.created.isoformat(timespec="seconds")
    info.attachments = []  # <link rel=attachment> in the head
