"""Downloading a syllabus: rendered once, then a lookup with an ETag; clear errors."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from exports.models import RenderedSyllabus
from exports.pdf import renders_done
from exports.services import render_syllabus_pdf
from exports.syllabus import template_revision
from packages import services

pytestmark = pytest.mark.usefixtures("demo")

SMALL = "children-protection-and-displacement"
URL = f"/packages/{SMALL}/syllabus.pdf"


def stored_count(session: Session) -> int:
    """How many rendered syllabi the cache holds."""
    return session.scalar(select(func.count()).select_from(RenderedSyllabus))


def test_a_second_request_is_served_from_the_cache_without_rendering(
        client: FlaskClient, session: Session):
    first = client.get(URL)
    renders = renders_done()
    second = client.get(URL)
    assert renders_done() == renders
    assert second.status_code == 200 and second.data == first.data
    assert stored_count(session) == 1


def test_the_response_streams_a_named_pdf_with_an_etag_that_answers_304(client: FlaskClient):
    response = client.get(URL, query_string={"version": 1})
    assert response.headers["Content-Disposition"] == (
        f'inline; filename="{SMALL}-v1-en.pdf"')
    assert response.headers["Cache-Control"] == "public, max-age=86400"
    etag = response.headers["ETag"]
    again = client.get(URL, query_string={"version": 1}, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    newest = client.get(URL)
    assert newest.headers["ETag"] == etag  # version 1 is the newest of this package
    assert newest.headers["Cache-Control"] == "public, max-age=300"


def test_a_new_template_revision_renders_anew(app, session: Session):
    package = services.get_package(session, SMALL)
    version = services.latest_version(session, package)
    assert version is not None
    current = render_syllabus_pdf(session, version, "en")
    renders = renders_done()
    redesigned = render_syllabus_pdf(session, version, "en", revision="redesigned")
    assert renders_done() == renders + 1
    assert redesigned.etag != current.etag and redesigned.template_revision == "redesigned"
    assert current.template_revision == template_revision()
    assert stored_count(session) == 2


def test_an_earlier_version_has_its_own_syllabus(client: FlaskClient):
    first = client.get("/packages/foundations-of-migration-governance/syllabus.pdf?version=1")
    second = client.get("/packages/foundations-of-migration-governance/syllabus.pdf")
    assert first.status_code == second.status_code == 200
    assert first.headers["ETag"] != second.headers["ETag"]


@pytest.mark.parametrize(("url", "status", "words"), [
    ("/packages/no-such-package/syllabus.pdf", 404, "No package has the slug"),
    (f"{URL}?version=9", 404, "has no version 9"),
    (f"{URL}?version=two", 422, "whole number"),
    (f"{URL}?lang=xx", 422, "There is no syllabus in 'xx'"),
])
def test_bad_requests_answer_in_the_sites_error_shape(client: FlaskClient, session: Session,
                                                     url: str, status: int, words: str):
    response = client.get(url, headers={"Accept": "application/json"})
    assert response.status_code == status
    assert words in response.get_json()["error"]["message"]
    assert stored_count(session) == 0


def test_the_catalogue_page_links_to_the_syllabus(client: FlaskClient):
    page = client.get(f"/catalogue/packages/{SMALL}").get_data(as_text=True)
    assert f'href="/packages/{SMALL}/syllabus.pdf?version=1"' in page
    assert "Download the syllabus (PDF)" in page
