"""Searching the module inventory, with and without JavaScript."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.pages import modules_found

IOM = "International Organization for Migration"


def search(page: Page, words: str, agency: str) -> None:
    """Type words, pick an agency and submit the form, as a person would."""
    page.get_by_label("Words").fill(words)
    page.get_by_label("Agency").select_option(label=agency)
    page.get_by_role("button", name="Search").click()


def test_searching_by_words_and_agency_narrows_the_inventory(page: Page):
    page.goto("/catalogue/modules")
    everything = modules_found(page)

    search(page, "migration law", IOM)

    expect(page).to_have_url(re.compile(r"[?&]q=migration\+law(&|$)"))
    expect(page).to_have_url(re.compile(r"[?&]agency=iom(&|$)"))
    found = modules_found(page)
    assert 0 < found < everything
    expect(page.locator("ul.items > li")).to_have_count(found)
    expect(page.get_by_label("Words")).to_have_value("migration law")
    expect(page.get_by_label("Agency").locator("option:checked")).to_have_text(IOM)


def test_picking_an_agency_narrows_a_word_search_further(page: Page):
    page.goto("/catalogue/modules?q=law")
    words_only = modules_found(page)

    page.get_by_label("Agency").select_option(label="Office of the United Nations High "
                                              "Commissioner for Human Rights")
    page.get_by_role("button", name="Search").click()

    assert modules_found(page) < words_only


def test_a_search_that_matches_nothing_says_so(page: Page):
    page.goto("/catalogue/modules")

    page.get_by_label("Words").fill("xylophone")
    page.get_by_label("Words").press("Enter")

    assert modules_found(page) == 0
    expect(page.locator("ul.items > li")).to_have_count(0)


def test_the_inventory_pages_through_its_modules(page: Page):
    page.goto("/catalogue/modules")
    total = modules_found(page)
    first_page = page.locator("ul.items > li strong").all_inner_texts()

    page.get_by_role("navigation", name="Pages").get_by_role("link", name="Next").click()

    expect(page).to_have_url(re.compile(r"[?&]page=2"))
    assert modules_found(page) == total
    assert not set(first_page) & set(page.locator("ul.items > li strong").all_inner_texts())


def test_the_search_works_without_javascript(no_script_page: Page):
    page = no_script_page
    page.goto("/catalogue/modules")
    everything = modules_found(page)

    search(page, "migration law", IOM)

    expect(page).to_have_url(re.compile(r"[?&]agency=iom(&|$)"))
    assert 0 < modules_found(page) < everything
