"""The syllabus PDF reads like the package: its title, modules in order, duration, contents
with true page numbers, metadata and embedded fonts."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from packages.models import Package, PackageVersion
from tests.exports.conftest import flat, page_texts, pdf_reader

pytestmark = pytest.mark.usefixtures("demo")

SLUG = "foundations-of-migration-governance"
TOC_ENTRY = re.compile(r"(\S.*?) ?\.{4,} ?(\d+)")


def snapshot_of(session: Session, slug: str, number: int) -> dict:
    """The frozen content of a version."""
    return session.scalar(select(PackageVersion.snapshot).join(Package)
                          .where(Package.slug == slug, PackageVersion.number == number))


def module_titles(snapshot: dict) -> list[str]:
    """Every module title, section by section."""
    return [item["module"]["title"] for section in snapshot["sections"]
            for item in section["items"]]


def test_the_syllabus_names_the_package_its_modules_in_order_and_its_duration(
        client: FlaskClient, session: Session):
    response = client.get(f"/packages/{SLUG}/syllabus.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    pages = page_texts(pdf_reader(response.data))
    snapshot = snapshot_of(session, SLUG, 2)
    text = " ".join(pages)
    assert snapshot["title"] in pages[0]
    assert "Version 2" in pages[0]
    assert "International Organization for Migration" in pages[0]
    assert "3 h 20 min in all" in text and "4 modules state no duration" in text
    change_note = session.scalar(select(PackageVersion.change_note).join(Package).where(
        Package.slug == SLUG, PackageVersion.number == 2))
    assert flat(change_note) in pages[-1]
    modules_start = text.index("The modules", text.index("Structure", text.index("Overview")))
    position = modules_start
    for title in module_titles(snapshot):
        position = text.index(flat(title), position) + 1  # raises if missing or out of order
    assert 6 <= len(pages) <= 20
    assert all(f"Page {n} of {len(pages)}" in page for n, page in enumerate(pages[1:], 2))


def test_the_contents_give_the_pages_where_the_headings_are(client: FlaskClient):
    pages = page_texts(pdf_reader(client.get(f"/packages/{SLUG}/syllabus.pdf").data))
    entries = TOC_ENTRY.findall(pages[1].removeprefix("Contents"))
    titles = [title for title, _number in entries]
    assert titles[:3] == ["Overview", "Learning objectives", "Structure"]
    assert "1. Shared foundation (EMM2.0)" in titles and "About this version" in titles
    for title, number in entries:
        page = pages[int(number) - 1]
        assert int(number) > 2 and title in page, (title, number)


def test_the_metadata_name_the_title_agencies_language_and_subject(client: FlaskClient):
    reader = pdf_reader(client.get(f"/packages/{SLUG}/syllabus.pdf?version=1").data)
    info = reader.metadata
    assert info.title == "Core Curriculum: Foundations of Migration Governance: syllabus, version 1"
    assert "International Organization for Migration" in info.author
    assert "United Nations Institute for Training and Research" in info.author
    assert info.subject.startswith("The entry level of the standing curriculum")
    assert reader.trailer["/Root"]["/Lang"] == "en"
    outline = [entry.title for entry in reader.outline if not isinstance(entry, list)]
    assert {"Overview", "Structure", "The modules", "About this version"} <= set(outline)


def test_every_font_is_embedded(client: FlaskClient):
    reader = pdf_reader(client.get("/packages/children-protection-and-displacement/syllabus.pdf")
                        .data)
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            fonts[font["/BaseFont"]] = any(key in descriptor for key in
                                           ("/FontFile", "/FontFile2", "/FontFile3"))
    assert fonts and all(fonts.values())
    assert any("Noto" in name for name in fonts)


def test_the_cli_writes_the_syllabus_of_a_version(runner: FlaskCliRunner, tmp_path):
    target = tmp_path / "syllabus.pdf"
    result = runner.invoke(args=["syllabus", SLUG, "--version", "1", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert "syllabus, version 1" in pdf_reader(target.read_bytes()).metadata.title


def test_the_cli_names_an_unknown_package(runner: FlaskCliRunner, tmp_path):
    result = runner.invoke(args=["syllabus", "no-such-package", "-o", str(tmp_path / "x.pdf")])
    assert result.exit_code != 0
    assert "No package has the slug 'no-such-package'" in result.output
