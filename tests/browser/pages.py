"""The public pages under test, and small readers of what a page shows."""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass, field

from playwright.sync_api import Page, Response

FOUNDATIONS = "foundations-of-migration-governance"
A_MODULE = "emm2-0-e-course-international-migration-law"

#: Every kind of public page, by a name to read in test ids.
PUBLIC_PAGES = {
    "front page": "/",
    "catalogue": "/catalogue",
    "package": f"/catalogue/packages/{FOUNDATIONS}",
    "earlier version": f"/catalogue/packages/{FOUNDATIONS}?version=1",
    "module inventory": "/catalogue/modules",
    "search results": "/catalogue/modules?q=law&agency=iom",
    "module": f"/catalogue/modules/{A_MODULE}",
    "not found": "/catalogue/packages/no-such-package",
}

#: A learner's page, with all it loads, stays under this many bytes compressed.
WEIGHT_BUDGET = 100 * 1024


def fact(page: Page, term: str) -> str:
    """The value a page's fact list gives for ``term`` (``Duration`` ...)."""
    term_cell = page.locator("dl.facts dt", has_text=re.compile(rf"^{re.escape(term)}$"))
    return term_cell.locator("xpath=following-sibling::dd[1]").inner_text().strip()


def modules_found(page: Page) -> int:
    """The number of modules the inventory page says it found."""
    status = page.get_by_role("status").inner_text()
    match = re.fullmatch(r"(\d+) modules? found\.", status.strip())
    assert match, f"unexpected count: {status!r}"
    return int(match.group(1))


@dataclass
class Download:
    """What loading a page fetched: each response's URL and its size gzip-compressed."""

    compressed: dict[str, int] = field(default_factory=dict)

    def record(self, response: Response) -> None:
        """Count a response's body as a server compressing text would send it."""
        if 300 <= response.status < 400:
            return  # a redirect has no body; the page it leads to is counted
        self.compressed[response.url] = len(gzip.compress(response.body(), compresslevel=6))

    @property
    def total(self) -> int:
        """The compressed bytes of everything loaded."""
        return sum(self.compressed.values())

    def describe(self) -> str:
        """One line per response, for a failure message."""
        return "\n".join(f"{size / 1024:6.1f} KB  {url}"
                         for url, size in self.compressed.items())


def load_counting(page: Page, path: str) -> Download:
    """Open ``path`` in ``page`` and measure everything it loads."""
    responses: list[Response] = []
    page.on("response", lambda response: responses.append(response))
    # The pages run no script, so by the load event they have fetched all they ever will.
    page.goto(path, wait_until="load")
    download = Download()
    for response in responses:
        download.record(response)
    return download
