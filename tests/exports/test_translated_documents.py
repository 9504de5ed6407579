"""Stored translations in the PDFs: a text with a current translation into the document's
language is shown translated (marked with that language), any other in the original (marked
English); the note about the original language appears only when some text is in it; a changed
translation renders the document anew."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from curriculum.jobs.models import JobState
from curriculum.jobs.queue import find_job
from exports.jobs import RENDER_SYLLABUS
from exports.pdf import renders_done
from exports.services import find_published_version, source_of, syllabus_translations
from exports.syllabus import syllabus_html, template_revision
from tests.exports.conftest import page_texts, pdf_reader
from tests.helpers import ApiClient, module_data

FRENCH_NOTE = "Les descriptions sont données dans leur langue d\u2019origine (anglais)."
FRENCH = {"title": "Droit international de la migration",
          "summary": "Les sources du droit et les droits des migrants."}
PACKAGE_FR = {"title": "Fondements de la gouvernance des migrations",
              "description": "Le niveau d'entrée du curriculum.",
              "sections.0.title": "Les bases"}


@pytest.fixture
def package(api: ApiClient, publisher_api: ApiClient) -> str:
    """A published package of two modules: 'Migration Law' and 'Fair Recruitment'."""
    slugs = []
    for title in ("International Migration Law", "Fair Recruitment Processes"):
        response = api.post("/modules", module_data(title, learning_objectives=[]))
        assert response.status_code == 201, response.get_json()
        slugs.append(response.get_json()["slug"])
    response = api.post("/packages", {
        "slug": "foundations", "title": "Foundations of Migration Governance",
        "description": "The entry level.", "agencies": ["IOM", "ILO"],
        "completion_rule": {"kind": "all_required"},
        "sections": [{"title": "Basics", "items": [{"module": s} for s in slugs]}]})
    assert response.status_code == 201, response.get_json()
    published = publisher_api.post("/packages/foundations/publish", {"change_note": "First."})
    assert published.status_code == 201, published.get_json()
    return "foundations"


@pytest.fixture
def french(api: ApiClient, package: str) -> None:
    """The package's own texts and its first module in French; the second module is not."""
    assert api.put(f"/packages/{package}/translations/fr",
                   {"fields": PACKAGE_FR}).status_code == 200
    assert api.put("/modules/international-migration-law/translations/fr",
                   {"fields": FRENCH}).status_code == 200


def html_of(session: Session, slug: str, lang: str, number: int | None = None) -> str:
    """The syllabus HTML of a published version in ``lang`` with its stored translations."""
    version = find_published_version(session, slug, number)
    return syllabus_html(source_of(version, translations=syllabus_translations(
        session, version, lang)), lang)


def syllabus_text(client: FlaskClient, slug: str, lang: str) -> str:
    """The text of a syllabus PDF."""
    response = client.get(f"/packages/{slug}/syllabus.pdf", query_string={"lang": lang})
    assert response.status_code == 200, response.data[:300]
    return " ".join(page_texts(pdf_reader(response.data)))


@pytest.mark.usefixtures("french")
def test_the_french_syllabus_shows_the_translated_title_and_module_titles(
        client: FlaskClient, package: str):
    text = syllabus_text(client, package, "fr")
    assert PACKAGE_FR["title"] in text and "Les bases" in text
    assert FRENCH["title"] in text and FRENCH["summary"] in text
    assert "International Migration Law" not in text
    assert "Fair Recruitment Processes" in text  # no translation: the original
    assert FRENCH_NOTE in text


@pytest.mark.usefixtures("french")
def test_translated_texts_are_marked_french_and_the_others_english(session: Session,
                                                                   package: str):
    html = html_of(session, package, "fr")
    assert f'<h1 class="cover-title" lang="fr">{PACKAGE_FR["title"]}</h1>' in html
    assert f'<span lang="fr">{FRENCH["title"]}</span></h3>' in html
    assert '<span lang="en">Fair Recruitment Processes</span></h3>' in html
    assert '<p class="summary" lang="en">About Fair Recruitment Processes.</p>' in html


def test_a_fully_translated_syllabus_has_no_original_language_note(
        api: ApiClient, session: Session, package: str):
    api.put(f"/packages/{package}/translations/fr", {"fields": PACKAGE_FR})
    api.put("/modules/international-migration-law/translations/fr", {"fields": FRENCH})
    assert FRENCH_NOTE in html_of(session, package, "fr")
    api.put("/modules/fair-recruitment-processes/translations/fr", {"fields": {
        "title": "Processus de recrutement équitable",
        "summary": "À propos du recrutement équitable."}})
    html = html_of(session, package, "fr")
    assert FRENCH_NOTE not in html
    before_change_note = html.split('<section class="chapter" id="changes">')[0]
    marked_english = re.findall(r' lang="en">([^<]*)<', before_change_note)
    assert marked_english and all("Organization" in text for text in marked_english), (
        marked_english)  # only the agencies' names, which are no package or module text


def test_a_translation_stored_after_publishing_applies_to_the_version_it_translates(
        api: ApiClient, publisher_api: ApiClient, session: Session, package: str):
    api.patch(f"/packages/{package}", {"title": "Foundations, second edition"})
    assert publisher_api.post(f"/packages/{package}/publish",
                              {"change_note": "Renamed."}).status_code == 201
    # Translations stored now, of the first title and of the second.
    api.put(f"/packages/{package}/translations/es", {"fields": {"title": "Segunda edición"}})
    html_first, html_second = html_of(session, package, "es", 1), html_of(session, package, "es")
    assert "Segunda edición" in html_second and "Segunda edición" not in html_first
    assert '<h1 class="cover-title" lang="en">Foundations of Migration Governance</h1>' in (
        html_first)

    api.patch(f"/packages/{package}", {"title": "Foundations of Migration Governance"})
    api.put(f"/packages/{package}/translations/es", {"fields": {"title": "Fundamentos"}})
    assert "Fundamentos" in html_of(session, package, "es", 1)  # the first title, again
    assert "Fundamentos" not in html_of(session, package, "es", 2)  # never a changed text


def test_a_changed_translation_renders_the_syllabus_anew(
        api: ApiClient, client: FlaskClient, package: str):
    url = f"/packages/{package}/syllabus.pdf"
    english = client.get(url).headers["ETag"]
    api.put(f"/packages/{package}/translations/fr", {"fields": {"title": "Fondements"}})
    first = client.get(url, query_string={"lang": "fr"})
    renders = renders_done()
    cached = client.get(url, query_string={"lang": "fr"},
                        headers={"If-None-Match": first.headers["ETag"]})
    assert cached.status_code == 304 and renders_done() == renders

    api.put(f"/packages/{package}/translations/fr", {"fields": {"title": "Fondamentaux"}})
    changed = client.get(url, query_string={"lang": "fr"},
                         headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and renders_done() == renders + 1
    assert "Fondamentaux" in " ".join(page_texts(pdf_reader(changed.data)))
    assert changed.headers["ETag"] != first.headers["ETag"]

    api.delete(f"/packages/{package}/translations/fr")
    removed = client.get(url, query_string={"lang": "fr"})
    assert "Fondamentaux" not in " ".join(page_texts(pdf_reader(removed.data)))
    assert client.get(url).headers["ETag"] == english  # other languages are untouched


def test_a_stored_translation_has_the_worker_render_the_newest_syllabus_again(
        api: ApiClient, session: Session, package: str):
    version = find_published_version(session, package)
    job = find_job(session, RENDER_SYLLABUS, f"{version.id}:ru:{template_revision()}")
    assert job is not None
    job.state = JobState.DONE  # the worker rendered the Russian syllabus when it was published
    session.commit()
    api.put("/modules/international-migration-law/translations/ru",
            {"fields": {"title": "Международное миграционное право"}})
    session.refresh(job)
    assert job.state is JobState.QUEUED


def test_an_arabic_translation_comes_out_right_to_left(api: ApiClient, client: FlaskClient,
                                                      session: Session, package: str):
    title = "أسس حوكمة الهجرة"
    api.put(f"/packages/{package}/translations/ar", {"fields": {"title": title}})
    html = html_of(session, package, "ar")
    assert '<html lang="ar" dir="rtl">' in html
    assert f'<h1 class="cover-title" lang="ar">{title}</h1>' in html
    assert '<span lang="en" dir="ltr">International Migration Law</span></h3>' in html
    text = syllabus_text(client, package, "ar")
    assert title in text and title[::-1] not in text  # logical order


def test_the_catalogue_shows_translated_package_texts_and_renders_anew_when_they_change(
        api: ApiClient, client: FlaskClient, package: str):
    assert api.post("/tracks", {"title": "Foundations", "packages": [package]}
                    ).status_code == 201
    api.put(f"/packages/{package}/translations/fr", {"fields": PACKAGE_FR})
    first = client.get("/catalogue.pdf", query_string={"lang": "fr"})
    text = " ".join(page_texts(pdf_reader(first.data)))
    assert PACKAGE_FR["title"] in text and PACKAGE_FR["description"] in text
    english = client.get("/catalogue.pdf").headers["ETag"]

    api.put(f"/packages/{package}/translations/fr", {"fields": {"title": "Fondamentaux"}})
    changed = client.get("/catalogue.pdf", query_string={"lang": "fr"})
    assert changed.headers["ETag"] != first.headers["ETag"]
    assert "Fondamentaux" in " ".join(page_texts(pdf_reader(changed.data)))
    assert client.get("/catalogue.pdf").headers["ETag"] == english


@pytest.mark.usefixtures("demo")
def test_the_demo_syllabus_is_in_french_throughout_and_in_spanish_but_for_one_module(
        session: Session):
    small = "children-protection-and-displacement"
    french = html_of(session, small, "fr")
    assert '<h1 class="cover-title" lang="fr">Enfants, protection et déplacement</h1>' in french
    assert FRENCH_NOTE not in french
    spanish = html_of(session, small, "es")
    assert "Infancia, protección y desplazamiento" in spanish
    assert '<span lang="en">Children on the Move: Core Skills' in spanish
    assert "Las descripciones figuran en su idioma original (inglés)." in spanish
