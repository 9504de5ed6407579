"""The syllabus in the six UN languages: translated fixed texts, Arabic right to left in
logical order, Chinese in an embedded CJK font, and a clear refusal of other languages."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy.orm import Session

from exports.services import source_of
from exports.syllabus import localised_duration, syllabus_html
from packages import services
from tests.exports.conftest import page_texts, pdf_reader

pytestmark = pytest.mark.usefixtures("demo")

SMALL = "children-protection-and-displacement"
URL = f"/packages/{SMALL}/syllabus.pdf"
CONTENTS = {"en": "Contents", "fr": "Table des matières", "es": "Índice", "ar": "المحتويات",
            "ru": "Содержание", "zh": "目录"}
OVERVIEW = {"en": "Overview", "fr": "Présentation générale", "es": "Presentación general",
            "ar": "لمحة عامة", "ru": "Общие сведения", "zh": "概述"}


def syllabus(client: FlaskClient, lang: str) -> bytes:
    """The PDF bytes of the small demo package's syllabus in ``lang``."""
    response = client.get(URL, query_string={"lang": lang})
    assert response.status_code == 200, response.data[:300]
    if folder := os.environ.get("SYLLABUS_PDF_DIR"):  # to look at the pages while developing
        Path(folder, f"{lang}.pdf").write_bytes(response.data)
    return response.data


def font_names(reader: PdfReader, page_number: int) -> set[str]:
    """The base font names used on a page."""
    fonts = reader.pages[page_number]["/Resources"]["/Font"]
    return {str(font.get_object()["/BaseFont"]) for font in fonts.values()}


@pytest.mark.parametrize("lang", list(CONTENTS))
def test_the_syllabus_renders_in_each_language_with_its_headings_and_metadata(
        client: FlaskClient, lang: str):
    reader = pdf_reader(syllabus(client, lang))
    pages = page_texts(reader)
    assert CONTENTS[lang] in pages[1]
    assert OVERVIEW[lang] in " ".join(pages[2:])
    assert reader.trailer["/Root"]["/Lang"] == lang
    assert "□" not in " ".join(pages) and "\ufffd" not in " ".join(pages)


def test_the_fixed_texts_are_translated_in_the_html(app, session: Session):
    version = services.latest_version(session, services.get_package(session, SMALL))
    assert version is not None
    french = syllabus_html(source_of(version), "fr")
    assert '<html lang="fr">' in french and "Objectifs d\u2019apprentissage" in french
    assert "Page \" counter(page) \" sur \" counter(pages)" in french
    assert "Les descriptions sont données dans leur langue d\u2019origine (anglais)." in french
    assert '<h1 class="cover-title" lang="en">' in french  # the package's own text is English
    assert "Descriptions are given" not in syllabus_html(source_of(version), "en")


def test_arabic_runs_right_to_left_with_mirrored_page_numbers(app, session: Session):
    version = services.latest_version(session, services.get_package(session, SMALL))
    assert version is not None
    html = syllabus_html(source_of(version), "ar")
    assert '<html lang="ar" dir="rtl">' in html
    assert '<h1 class="cover-title" lang="en" dir="ltr">' in html  # English stays left to right
    assert '@bottom-left { content: "الصفحة " counter(page) " من " counter(pages); }' in html
    assert "@top-right { content: string(package-title); }" in html


def test_arabic_text_comes_out_in_logical_order(client: FlaskClient):
    pages = page_texts(pdf_reader(syllabus(client, "ar")))
    text = " ".join(pages)
    assert "المحتويات" in pages[1]
    assert "المحتويات"[::-1] not in text
    assert "أهداف التعلّم" in text or "أهداف التعلم" in text


def test_chinese_glyphs_come_from_an_embedded_cjk_font(client: FlaskClient):
    reader = pdf_reader(syllabus(client, "zh"))
    pages = page_texts(reader)
    assert "目录" in pages[1]
    assert any("NotoSansCJK" in name.replace("-", "") for name in font_names(reader, 1))
    for font in reader.pages[1]["/Resources"]["/Font"].values():
        descriptor = font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
        assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))


@pytest.mark.parametrize(("lang", "minutes", "expected"), [
    ("en", 200, "3 h 20 min"), ("fr", 200, "3 h 20 min"), ("es", 200, "3 h 20 min"),
    ("ru", 200, "3 ч 20 мин"), ("zh", 200, "3小时20分钟"), ("ar", 200, "3 ساعات و20 دقيقة"),
    ("ar", 120, "ساعتان"), ("zh", 45, "45分钟"), ("fr", None, "inconnue"),
])
def test_durations_are_written_in_the_language(lang: str, minutes: int | None, expected: str):
    assert localised_duration(minutes, lang) == expected


def test_an_unknown_language_is_refused_with_the_six_named(client: FlaskClient):
    response = client.get(URL, query_string={"lang": "xx"},
                          headers={"Accept": "application/json"})
    assert response.status_code == 422
    for code in CONTENTS:
        assert f"({code})" in response.get_data(as_text=True)
