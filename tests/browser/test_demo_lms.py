"""The demo LMS in Chromium: a person clicks through the LTI launches as the learner and the
trainer, over real HTTP, with and without JavaScript.

These tests launch, so they write launch records to the live server's database; they never
add or remove course content, which the other browser tests read.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_accessibility import NAMELESS_BUTTONS, UNLABELLED_CONTROLS

FOUNDATIONS_TITLE = "Core Curriculum: Foundations of Migration Governance"


def open_course(page: Page) -> None:
    """The demo course page, checked to be the one we expect."""
    page.goto("/demo-lms/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Demo course: Migration governance")


def test_the_learner_and_then_the_trainer_open_the_package(page: Page):
    open_course(page)
    page.get_by_role("button", name=f"Open as learner: {FOUNDATIONS_TITLE}").click()

    expect(page).to_have_url(re.compile(r"/lti/launches/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(FOUNDATIONS_TITLE)
    expect(page.get_by_text("Trainer view")).to_have_count(0)

    open_course(page)
    page.get_by_role("button", name=f"Open as trainer: {FOUNDATIONS_TITLE}").click()

    expect(page).to_have_url(re.compile(r"/lti/launches/"))
    expect(page.get_by_text("Trainer view")).to_be_visible()
    learners = page.get_by_role("table")
    expect(learners.get_by_role("cell", name="Amina Diallo")).to_be_visible()
    expect(learners.get_by_text("Carlos Mendes")).to_have_count(0)


def test_a_launch_works_without_javascript(no_script_page: Page):
    open_course(no_script_page)
    no_script_page.get_by_role("button", name=f"Open as learner: {FOUNDATIONS_TITLE}").click()

    expect(no_script_page).to_have_url(re.compile(r"/demo-lms/auth"))
    no_script_page.get_by_role("button", name="Continue to the activity").click()

    expect(no_script_page).to_have_url(re.compile(r"/lti/launches/"))
    expect(no_script_page.get_by_role("heading", level=1)).to_have_text(FOUNDATIONS_TITLE)


def test_the_trainer_reaches_the_deep_linking_picker(page: Page):
    open_course(page)
    page.get_by_role("button", name="Add content (Deep Linking)").click()

    expect(page).to_have_url(re.compile(r"/deep-linking$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Add training from the GMG curriculum")


def test_the_gradebook_shows_its_column(page: Page):
    page.goto("/demo-lms/gradebook")

    expect(page.get_by_role("columnheader", name=re.compile(FOUNDATIONS_TITLE))).to_be_visible()
    expect(page.get_by_role("status")).to_have_text(re.compile("No scores yet"))


@pytest.mark.parametrize("path", ["/demo-lms/", "/demo-lms/gradebook"])
def test_the_demo_lms_pages_are_accessible(page: Page, path: str):
    page.goto(path)

    expect(page.locator("h1")).to_have_count(1)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("navigation", name="Demo LMS")).to_be_visible()
    expect(page.get_by_role("main")).to_have_count(1)
    assert page.evaluate(UNLABELLED_CONTROLS) == []
    assert page.evaluate(NAMELESS_BUTTONS) == []
