"""Learner pages are light: small, self-contained, readable without JavaScript.

ARCHITECTURE.md §4: under 100 KB compressed with all a page loads, and no request to any
outside host (fonts, scripts and styles come from the app). Each page is opened in a fresh
context so nothing comes from the cache, as on a learner's first visit.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.browser.pages import PUBLIC_PAGES, WEIGHT_BUDGET, load_counting

pages = pytest.mark.parametrize("path", PUBLIC_PAGES.values(), ids=PUBLIC_PAGES.keys())


def origin(url: str) -> str:
    """``scheme://host:port`` of a URL."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@pages
def test_a_page_requests_nothing_from_any_other_host(new_context: Any, live_server: str,
                                                      path: str):
    requested: list[str] = []
    page = new_context().new_page()
    page.on("request", lambda request: requested.append(request.url))

    page.goto(path, wait_until="load")

    assert requested, "the page was not requested at all"
    elsewhere = [url for url in requested
                 if not url.startswith("data:") and origin(url) != live_server]
    assert not elsewhere


@pages
def test_a_page_with_all_it_loads_is_under_100_kb_compressed(new_context: Any, path: str):
    download = load_counting(new_context().new_page(), path)

    assert download.total < WEIGHT_BUDGET, download.describe()


@pages
def test_a_page_shows_all_its_content_without_javascript(new_context: Any,
                                                         no_script_page: Any, path: str):
    with_script = new_context().new_page()
    with_script.goto(path)
    no_script_page.goto(path)

    assert no_script_page.locator("main").inner_text() == with_script.locator("main").inner_text()
    assert no_script_page.locator("link[rel=stylesheet]").count() == 1
