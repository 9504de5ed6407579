"""The catalogue as a learner browses it: tracks, packages, their versions."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from curriculum.formatting import format_duration
from tests.browser.pages import FOUNDATIONS, fact


def package_definition(demo: dict[str, Any], slug: str) -> dict[str, Any]:
    """A demo package's definition."""
    return next(p for p in demo["packages"] if p["slug"] == slug)


def titles_by_section(sections: list[dict[str, Any]], titles: dict[int, str]
                      ) -> dict[str, list[str]]:
    """The module titles of each section, in order."""
    return {s["title"]: [titles[item["row"]] for item in s["items"]] for s in sections}


def shown_sections(page: Page) -> dict[str, list[str]]:
    """The sections a package page shows (without their numbers) and their module titles."""
    shown = {}
    for section in page.locator("section.section").all():
        heading = section.get_by_role("heading", level=3).inner_text()
        title = re.sub(r"^\d+\.\s*", "", heading)
        shown[title] = [t.strip() for t in section.locator("li strong").all_inner_texts()]
    return shown


def test_the_front_page_lists_the_three_tracks_and_their_packages(page: Page, demo):
    page.goto("/")

    expect(page).to_have_url(re.compile(r"/catalogue$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "The standing curriculum of joint training")
    titles = {p["slug"]: p["title"] for p in demo["packages"]}
    assert len(demo["tracks"]) == 3
    for track in demo["tracks"]:
        region = page.get_by_role("region", name=track["title"])
        expect(region).to_be_visible()
        expect(region.get_by_role("heading", level=3)).to_have_text(
            [titles[slug] for slug in track["packages"]])


def test_following_a_package_card_opens_the_package_with_its_modules_in_order(
        page: Page, demo, demo_module_titles):
    definition = package_definition(demo, FOUNDATIONS)
    later = definition["next_version"]["sections_append"]
    page.goto("/catalogue")

    page.get_by_role("link", name=definition["title"]).click()

    expect(page).to_have_url(re.compile(rf"/catalogue/packages/{FOUNDATIONS}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(definition["title"])
    assert shown_sections(page) == titles_by_section(
        definition["sections"] + later, demo_module_titles)
    assert fact(page, "Agencies involved").startswith(", ".join(definition["agencies"]))
    assert fact(page, "Convened by") == (
        "International Organization for Migration, "
        "United Nations Institute for Training and Research")


def test_the_package_page_states_the_total_duration_the_api_computes(page: Page):
    api = page.request.get(f"/api/v1/packages/{FOUNDATIONS}").json()
    duration = api["duration"]

    page.goto(f"/catalogue/packages/{FOUNDATIONS}")

    assert duration["total_minutes"]
    assert fact(page, "Duration").startswith(
        f"{format_duration(duration['total_minutes'])} in all, "
        f"{format_duration(duration['required_minutes'])} required")
    assert fact(page, "Modules") == (
        f"{api['module_count']} ({api['required_module_count']} required)")


def test_the_package_page_lists_its_versions_and_opens_an_earlier_one(
        page: Page, demo, demo_module_titles):
    definition = package_definition(demo, FOUNDATIONS)
    page.goto(f"/catalogue/packages/{FOUNDATIONS}")
    history = page.get_by_role("heading", name="Versions").locator("xpath=following-sibling::ul[1]")
    expect(history.get_by_role("listitem")).to_have_count(2)
    expect(history.get_by_role("link", name="Version 2")).to_have_attribute("aria-current", "page")
    expect(history).to_contain_text(definition["next_version"]["change_note"])
    expect(history).to_contain_text(definition["change_note"])

    history.get_by_role("link", name="Version 1").click()

    expect(page).to_have_url(re.compile(r"\?version=1$"))
    expect(page.get_by_text("an earlier version")).to_be_visible()
    assert shown_sections(page) == titles_by_section(definition["sections"], demo_module_titles)
    page.get_by_role("link", name="see the newest").click()
    expect(page.get_by_role("heading", name="3. Regional certificate")).to_be_visible()


def test_a_version_that_does_not_exist_is_a_friendly_not_found_page(page: Page):
    response = page.goto(f"/catalogue/packages/{FOUNDATIONS}?version=9")

    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    expect(page.get_by_role("link", name="Back to the curriculum")).to_be_visible()
