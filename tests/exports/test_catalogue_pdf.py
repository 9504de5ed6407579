"""The curriculum catalogue PDF: every track and its packages in order, contents with true page
numbers, kept until the curriculum changes, in the six UN languages."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from exports.models import RenderedCatalogue
from exports.pdf import renders_done
from packages.models import Track
from packages.reading import read_tracks
from packages.tracks import get_track, update_track
from tests.exports.conftest import flat, page_texts, pdf_reader

pytestmark = pytest.mark.usefixtures("demo")

TOC_ENTRY = re.compile(r"(\S.*?) ?\.{4,} ?(\d+)")
CONTENTS = {"en": "Contents", "fr": "Table des matières", "es": "Índice", "ar": "المحتويات",
            "ru": "Содержание", "zh": "目录"}
TITLES = {"en": "Catalogue of joint training packages",
          "fr": "Catalogue des parcours de formation conjoints",
          "es": "Catálogo de programas de formación conjuntos",
          "ar": "دليل البرامج التدريبية المشتركة", "ru": "Каталог совместных учебных курсов",
          "zh": "联合培训课程包目录"}


def catalogue(client: FlaskClient, lang: str = "en") -> bytes:
    """The catalogue PDF (kept in CATALOGUE_PDF_DIR to look at while developing)."""
    response = client.get("/catalogue.pdf", query_string={"lang": lang})
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "application/pdf"
    if folder := os.environ.get("CATALOGUE_PDF_DIR"):
        Path(folder, f"catalogue-{lang}.pdf").write_bytes(response.data)
    return response.data


def kept_count(session: Session) -> int:
    """How many rendered catalogues are kept."""
    return session.scalar(select(func.count()).select_from(RenderedCatalogue))


def test_the_catalogue_has_every_track_and_its_packages_in_order(client: FlaskClient,
                                                                session: Session):
    reader = pdf_reader(catalogue(client))
    pages = page_texts(reader)
    assert "Catalogue of joint training packages" in pages[0]
    assert "3 Packages 7" in pages[0].replace("Tracks ", "")  # the cover's counts
    body = " ".join(pages[2:])
    position = 0
    tracks = read_tracks(session)
    assert [track["title"] for track in tracks] == [
        "Foundations", "Labour migration and development", "Rights, protection and gender"]
    for track in tracks:
        position = body.index(flat(track["title"]), position) + 1
        for package in track["packages"]:
            position = body.index(flat(package["title"]), position) + 1
            assert f"Version {package['latest_version']}" in body
            assert (f"http://localhost/packages/{package['slug']}/syllabus.pdf" in body)
    assert all(f"Page {n} of {len(pages)}" in page for n, page in enumerate(pages[1:], 2))


def test_each_package_shows_its_agencies_duration_and_objectives(client: FlaskClient):
    text = " ".join(page_texts(pdf_reader(catalogue(client))))
    assert "Co-convened by International Organization for Migration, United Nations Institute" \
        in text
    assert "3 h 20 min in all" in text
    assert "LEARNING OBJECTIVES" in text  # a small heading in capitals


def test_the_contents_give_the_pages_where_the_tracks_and_packages_are(client: FlaskClient,
                                                                      session: Session):
    pages = page_texts(pdf_reader(catalogue(client)))
    entries = TOC_ENTRY.findall(pages[1].removeprefix("Contents"))
    expected = [title for track in read_tracks(session)
                for title in (track["title"], *(p["title"] for p in track["packages"]))]
    assert [flat(title) for title, _number in entries] == [flat(t) for t in expected]
    for title, number in entries:
        assert int(number) > 2 and flat(title) in pages[int(number) - 1], (title, number)


def test_bookmarks_and_metadata_name_the_tracks_packages_and_agencies(client: FlaskClient):
    reader = pdf_reader(catalogue(client))
    outline = [entry.title for entry in reader.outline if not isinstance(entry, list)]
    assert {"Foundations", "Labour migration and development",
            "Rights, protection and gender"} <= set(outline)
    assert reader.metadata.title == "Catalogue of joint training packages"
    assert "International Organization for Migration" in reader.metadata.author
    assert reader.trailer["/Root"]["/Lang"] == "en"


def test_a_second_request_is_a_lookup_with_an_etag_that_answers_304(client: FlaskClient,
                                                                   session: Session):
    first = client.get("/catalogue.pdf")
    renders = renders_done()
    second = client.get("/catalogue.pdf")
    assert renders_done() == renders and second.data == first.data
    etag = second.headers["ETag"]
    assert second.headers["Cache-Control"] == "public, max-age=300"
    assert second.headers["Content-Disposition"] == (
        'inline; filename="gmg-curriculum-catalogue-en.pdf"')
    again = client.get("/catalogue.pdf", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert renders_done() == renders and kept_count(session) == 1


def test_a_change_to_a_track_renders_a_new_catalogue(client: FlaskClient, session: Session):
    before = client.get("/catalogue.pdf").headers["ETag"]
    update_track(session, get_track(session, "foundations"), {"title": "First steps"})
    session.commit()
    after = client.get("/catalogue.pdf")
    assert after.headers["ETag"] != before
    assert "First steps" in page_texts(pdf_reader(after.data))[1]
    assert kept_count(session) == 2


def test_each_language_has_its_own_catalogue(client: FlaskClient):
    english = client.get("/catalogue.pdf").headers["ETag"]
    french = client.get("/catalogue.pdf?lang=fr").headers["ETag"]
    assert english != french


@pytest.mark.parametrize("lang", list(CONTENTS))
def test_the_catalogue_renders_in_each_language(client: FlaskClient, lang: str):
    reader = pdf_reader(catalogue(client, lang))
    pages = page_texts(reader)
    assert flat(TITLES[lang]) in pages[0]
    assert CONTENTS[lang] in pages[1]
    assert reader.trailer["/Root"]["/Lang"] == lang
    assert "□" not in " ".join(pages) and "\ufffd" not in " ".join(pages)


def test_the_arabic_catalogue_runs_right_to_left(client: FlaskClient, session: Session):
    from exports.catalogue import catalogue_html, catalogue_tracks

    html = catalogue_html(catalogue_tracks(session), "ar", "http://localhost")
    assert '<html lang="ar" dir="rtl">' in html
    assert '@bottom-left { content: "الصفحة " counter(page) " من " counter(pages); }' in html
    text = " ".join(page_texts(pdf_reader(catalogue(client, "ar"))))
    assert "المحتويات" in text and "المحتويات"[::-1] not in text


def test_the_chinese_catalogue_uses_an_embedded_cjk_font(client: FlaskClient):
    reader = pdf_reader(catalogue(client, "zh"))
    fonts = reader.pages[1]["/Resources"]["/Font"]
    names = {str(font.get_object()["/BaseFont"]).replace("-", "") for font in fonts.values()}
    assert any("NotoSansCJK" in name for name in names)


@pytest.mark.parametrize("lang", ["xx", "english", "e" * 200, "<b>"])
def test_an_unknown_language_is_refused_with_the_six_named(client: FlaskClient,
                                                           session: Session, lang: str):
    response = client.get("/catalogue.pdf", query_string={"lang": lang},
                          headers={"Accept": "application/json"})
    assert response.status_code == 422
    message = response.get_json()["error"]["message"]
    assert message.startswith("There is no catalogue in")
    for code in CONTENTS:
        assert f"({code})" in message
    assert kept_count(session) == 0


def test_an_empty_curriculum_still_has_a_catalogue(client: FlaskClient, session: Session):
    for track in session.scalars(select(Track)):
        session.delete(track)
    session.commit()
    pages = page_texts(pdf_reader(catalogue(client)))
    assert "No track has been arranged yet." in pages[1]


def test_the_catalogue_page_links_to_the_pdf(client: FlaskClient):
    page = client.get("/catalogue").get_data(as_text=True)
    assert 'href="/catalogue.pdf"' in page and "Download the catalogue (PDF)" in page


def test_the_cli_writes_the_catalogue(runner: FlaskCliRunner, tmp_path):
    target = tmp_path / "catalogue.pdf"
    result = runner.invoke(args=["catalogue-pdf", "--lang", "fr", "-o", str(target)])
    assert result.exit_code == 0, result.output
    reader = pdf_reader(target.read_bytes())
    assert reader.metadata.title == TITLES["fr"]
    bad = runner.invoke(args=["catalogue-pdf", "--lang", "xx", "-o", str(tmp_path / "x.pdf")])
    assert bad.exit_code != 0 and "There is no catalogue in 'xx'" in bad.output
