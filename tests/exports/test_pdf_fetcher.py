"""Rendering reads only the bundled assets: whatever module HTML references, no request
leaves the process and nothing foreign is embedded."""

from __future__ import annotations

import copy
import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from exports.pdf import ASSETS_URL, AssetFetcher, PdfMetadata, RefusedURL, render_pdf
from exports.syllabus import SyllabusSource, syllabus_html, syllabus_metadata
from tests.exports.conftest import pdf_reader

PNG_1PX = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4"
           "nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg==")


class Loopback:
    """A server on 127.0.0.1 that counts the requests it gets."""

    def __init__(self, answer: Response) -> None:
        self.requests: list[str] = []
        self._answer = answer
        self.server = make_server("127.0.0.1", 0, self._app)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _app(self, environ, start_response):
        self.requests.append(Request(environ).path)
        return self._answer(environ, start_response)


@pytest.fixture
def secret() -> Iterator[Loopback]:
    """An internal service answering a secret image."""
    server = Loopback(Response(b"SECRET-INTERNAL-ANSWER", mimetype="image/png"))
    server.thread.start()
    yield server
    server.server.shutdown()


@pytest.fixture
def redirector(secret: Loopback) -> Iterator[Loopback]:
    """A server that redirects everything to the secret one."""
    server = Loopback(Response(status=302, headers={"Location": f"{secret.url}/secret.png"}))
    server.thread.start()
    yield server
    server.server.shutdown()


def hostile_html(secret: Loopback, redirector: Loopback) -> str:
    """Every way HTML can make WeasyPrint fetch or attach something."""
    return f"""
    <img src="{secret.url}/img.png">
    <p style="background: url('{secret.url}/css-url.png')">styled</p>
    <div style="background-image: url(file:///etc/passwd)">file</div>
    <img src="{redirector.url}/redirect.png">
    <img src="file:///etc/passwd"><img src="../pdf.py"><img src="//127.0.0.1/x.png">
    <a rel="attachment" href="{secret.url}/anchor-attachment">a</a>
    <a rel="attachment" href="data:text/plain,attached">data attachment</a>
    <table><tr><td>{"x" * 3000}</td></tr></table>
    """


def assert_nothing_fetched_or_embedded(pdf: bytes, *servers: Loopback) -> None:
    """No request reached the servers; no file, image or foreign bytes are in the PDF."""
    for server in servers:
        assert server.requests == []
    reader = pdf_reader(pdf)
    assert reader.attachments == {}
    assert all(not page.images for page in reader.pages)
    assert b"SECRET-INTERNAL-ANSWER" not in pdf and b"root:x:0:0" not in pdf


def test_hostile_html_given_to_the_renderer_fetches_and_embeds_nothing(secret, redirector,
                                                                      caplog):
    html = f"""<html><head>
      <link rel="stylesheet" href="{secret.url}/style.css">
      <link rel="attachment" href="{secret.url}/head-attachment">
      <link rel="attachment" href="file:///etc/passwd">
      <style>@import url("{secret.url}/import.css"); body {{ background: url({secret.url}/bg) }}
      @font-face {{ font-family: X; src: url({secret.url}/font.woff) }}</style>
      </head><body>{hostile_html(secret, redirector)}</body></html>"""
    with caplog.at_level(logging.DEBUG, logger="exports.pdf"):
        pdf = render_pdf(html, metadata=PdfMetadata(title="Hostile"))
    assert_nothing_fetched_or_embedded(pdf, secret, redirector)
    refused = [r.getMessage() for r in caplog.records if r.name == "exports.pdf"]
    assert any("/etc/passwd" in message for message in refused)
    assert all(r.levelno == logging.DEBUG for r in caplog.records if r.name == "exports.pdf")


def test_module_html_with_references_renders_a_syllabus_without_fetching(secret, redirector):
    snapshot = copy.deepcopy(SMALL_SNAPSHOT)
    module = snapshot["sections"][0]["items"][0]["module"]
    module["content_html"] = hostile_html(secret, redirector) + f'<img src="{PNG_1PX}">'
    source = SyllabusSource(snapshot=snapshot, number=1, published_at=datetime.now(UTC),
                            change_note="First version.")
    pdf = render_pdf(syllabus_html(source), metadata=syllabus_metadata(source))
    for server in (secret, redirector):
        assert server.requests == []
    reader = pdf_reader(pdf)
    assert reader.attachments == {}
    assert b"SECRET-INTERNAL-ANSWER" not in pdf
    assert "x" * 200 in "".join((page.extract_text() or "").replace("\n", "")
                                for page in reader.pages)


def test_the_fetcher_serves_bundled_assets_and_data_and_refuses_the_rest():
    fetcher = AssetFetcher()
    css = fetcher.fetch(ASSETS_URL + "syllabus.css")
    assert css.content_type == "text/css" and b"@page" in css.read()
    assert fetcher.fetch("data:text/plain,hello").read() == b"hello"
    for url in (ASSETS_URL + "../pdf.py", ASSETS_URL + "missing.css", "file:///etc/passwd",
                "http://127.0.0.1:9/x", "https://example.org/x.css", "ftp://example.org/x",
                "file://remote-host" + ASSETS_URL.removeprefix("file://") + "syllabus.css"):
        with pytest.raises(RefusedURL):
            fetcher.fetch(url)


SMALL_SNAPSHOT = {
    "format": 1, "slug": "tiny", "title": "A tiny package", "description": "Small.",
    "audience": None, "prerequisites": [], "learning_objectives": ["Know things."],
    "co_convening_agencies": [{"slug": "iom", "code": "IOM", "name": "IOM", "url": None}],
    "agencies_involved": [{"slug": "iom", "code": "IOM", "name": "IOM", "url": None}],
    "completion_rule": {"kind": "all_required", "count": None},
    "sections": [{"title": "Only section", "description": None, "items": [
        {"required": True, "note": None, "module": {
            "slug": "m", "title": "The one module", "kind": "module", "summary": "About it.",
            "learning_objectives": [], "owner_agency": {"slug": "iom", "code": "IOM",
                                                        "name": "IOM", "url": None},
            "partner_agencies": [], "themes": [], "audience": None, "level": None,
            "languages": ["en"], "duration_minutes": 30, "delivery_mode": None,
            "year_first_offered": None, "url": None, "content_html": None, "licence": None,
            "sources": [], "retired": False}}]}],
    "module_count": 1, "required_module_count": 1,
    "duration": {"total_minutes": 30, "required_minutes": 30, "modules_without_duration": 0},
}
