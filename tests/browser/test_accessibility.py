"""Every public page can be used on a phone, from the keyboard and with a screen reader."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.pages import PUBLIC_PAGES

pages = pytest.mark.parametrize("path", PUBLIC_PAGES.values(), ids=PUBLIC_PAGES.keys())

#: Pages worth looking at by eye (set BROWSER_SCREENSHOTS=/some/folder to save them).
SCREENSHOT_PAGES = {name: PUBLIC_PAGES[name]
                    for name in ("catalogue", "package", "search results", "module")}

UNLABELLED_CONTROLS = """() => [...document.querySelectorAll(
    'input:not([type=hidden]):not([type=submit]), select, textarea')]
  .filter(c => !c.labels.length && !c.getAttribute('aria-label')
               && !c.getAttribute('aria-labelledby'))
  .map(c => c.outerHTML)"""

NAMELESS_BUTTONS = """() => [...document.querySelectorAll('button, input[type=submit]')]
  .filter(b => !(b.innerText || b.value || b.getAttribute('aria-label') || '').trim())
  .map(b => b.outerHTML)"""

OVERFLOWING = """() => {
  const root = document.documentElement;
  const wide = [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > root.clientWidth + 1)
    .map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''));
  return {scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, wide: wide.slice(0, 5)};
}"""


@pages
def test_a_page_has_one_main_heading_and_states_its_language(page: Page, path: str):
    page.goto(path)

    expect(page.locator("h1")).to_have_count(1)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.title().strip()


@pages
def test_a_page_has_landmarks_for_its_banner_navigation_main_and_footer(page: Page, path: str):
    page.goto(path)

    expect(page.get_by_role("banner")).to_have_count(1)
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    expect(page.get_by_role("main")).to_have_count(1)
    expect(page.get_by_role("contentinfo")).to_have_count(1)


@pages
def test_every_form_control_has_a_label(page: Page, path: str):
    page.goto(path)

    assert page.evaluate(UNLABELLED_CONTROLS) == []
    assert page.evaluate(NAMELESS_BUTTONS) == []


def test_the_search_form_controls_are_found_by_their_labels(page: Page):
    page.goto("/catalogue/modules")

    for label in ("Words", "Agency", "Theme", "Language code", "Level", "Delivery"):
        expect(page.get_by_label(label, exact=True)).to_be_visible()
    expect(page.get_by_role("search", name="Search modules")).to_be_visible()


@pages
def test_tab_reaches_the_skip_link_first_and_it_moves_focus_to_main(page: Page, path: str):
    page.goto(path)

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0, "the focused link is off screen"

    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.closest('main') !== null"), (
        "the next Tab after skipping should land inside main, not in the header")


@pages
def test_a_phone_sized_screen_needs_no_horizontal_scrolling(phone_page: Page, path: str):
    phone_page.goto(path)

    layout = phone_page.evaluate(OVERFLOWING)
    assert layout["scrollWidth"] <= layout["clientWidth"], layout


@pytest.mark.parametrize("name", SCREENSHOT_PAGES)
def test_a_page_renders_at_desktop_and_phone_sizes(page: Page, phone_page: Page, name: str,
                                                   screenshots: Path | None):
    path = SCREENSHOT_PAGES[name]
    for size, on in (("desktop", page), ("phone", phone_page)):
        on.goto(path)
        main = on.locator("main").bounding_box()
        viewport = on.viewport_size
        assert main is not None and viewport is not None
        assert main["width"] <= viewport["width"], f"main is wider than a {size} screen"
        if screenshots:
            file = f"{name.replace(' ', '-')}-{size}.png"
            on.screenshot(path=screenshots / file, full_page=True)
