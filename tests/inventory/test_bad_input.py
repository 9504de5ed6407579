"""Bad input to the inventory API gets a 4xx a person can act on, and nothing stored changes."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy.exc import DataError

from tests.helpers import error_of, module_data

LONG = "A" * 100_000

# (what is wrong, the body, the field the error must name)
BAD_MODULES: list[tuple[str, dict[str, Any], str]] = [
    ("title is a number", module_data(5), "title"),
    ("title is null", module_data(None), "title"),
    ("title is a list", module_data(["A title"]), "title"),
    ("title is empty", module_data(""), "title"),
    ("title is whitespace", module_data(" \t\n "), "title"),
    ("title is 100 kB", module_data(LONG), "title"),
    ("title holds a NUL byte", module_data("Migration\x00Law"), "title"),
    ("title holds a bell", module_data("Migration\x07Law"), "title"),
    ("title holds an escape sequence", module_data("\x1b[31mRed\x1b[0m"), "title"),
    ("title holds DEL", module_data("Migration\x7fLaw"), "title"),
    ("title holds a C1 control", module_data("Migration\x9bLaw"), "title"),
    ("title holds a lone surrogate", module_data("Migration \ud800 Law"), "title"),
    ("summary is 100 kB", module_data(summary=LONG), "summary"),
    ("summary holds a NUL byte", module_data(summary="a\x00b"), "summary"),
    ("summary is a number", module_data(summary=12), "summary"),
    ("owner is missing", {"title": "A module"}, "owner_agency"),
    ("owner is unknown", module_data(owner_agency="NOBODY"), "owner_agency"),
    ("owner is empty", module_data(owner_agency="  "), "owner_agency"),
    ("a partner is unknown", module_data(partner_agencies=["UNITAR", "NOBODY"]),
     "partner_agencies"),
    ("partners is a string", module_data(partner_agencies="UNITAR"), "partner_agencies"),
    ("languages is a string", module_data(languages="en"), "languages"),
    ("a language is a name", module_data(languages=["english"]), "languages"),
    ("a language is unknown", module_data(languages=["xx"]), "languages"),
    ("a language is a number", module_data(languages=[1]), "languages"),
    ("a language has a newline", module_data(languages=["e\nn"]), "languages"),
    ("duration is text", module_data(duration_minutes="abc"), "duration_minutes"),
    ("duration is a numeric string", module_data(duration_minutes="60"), "duration_minutes"),
    ("duration is fractional", module_data(duration_minutes=1.5), "duration_minutes"),
    ("duration is a boolean", module_data(duration_minutes=True), "duration_minutes"),
    ("duration is zero", module_data(duration_minutes=0), "duration_minutes"),
    ("duration is negative", module_data(duration_minutes=-30), "duration_minutes"),
    ("duration is huge", module_data(duration_minutes=10**30), "duration_minutes"),
    ("year is too early", module_data(year_first_offered=1800), "year_first_offered"),
    ("year is far ahead", module_data(year_first_offered=3000), "year_first_offered"),
    ("year is a string", module_data(year_first_offered="2019"), "year_first_offered"),
    ("url uses javascript:", module_data(url="javascript:alert(1)"), "url"),
    ("url uses JavaScript: in capitals", module_data(url="JavaScript:alert(1)"), "url"),
    ("url uses data:", module_data(url="data:text/html,<script>alert(1)</script>"), "url"),
    ("url uses ftp:", module_data(url="ftp://example.org/course"), "url"),
    ("url is not a url", module_data(url="not a url"), "url"),
    ("url has a space in the host", module_data(url="http://exa mple.org"), "url"),
    ("url holds a NUL byte", module_data(url="https://example.org/\x00"), "url"),
    ("url holds a lone surrogate", module_data(url="https://example.org/\udc00"), "url"),
    ("url is too long", module_data(url="https://example.org/" + "a" * 2000), "url"),
    ("kind is unknown", module_data(kind="podcast"), "kind"),
    ("level is unknown", module_data(level="expert"), "level"),
    ("mode is unknown", module_data(delivery_mode="carrier pigeon"), "delivery_mode"),
    ("confidence is unknown", module_data(source_confidence="certain"), "source_confidence"),
    ("objectives is a string", module_data(learning_objectives="Explain."),
     "learning_objectives"),
    ("an objective is empty", module_data(learning_objectives=["Explain.", " "]),
     "learning_objectives"),
    ("too many objectives", module_data(learning_objectives=["x"] * 51), "learning_objectives"),
    ("a theme is blank", module_data(themes=[" "]), "themes"),
    ("a theme is too long", module_data(themes=["t" * 201]), "themes"),
    ("an audience holds a NUL byte", module_data(audience=["a\x00b"]), "audience"),
    ("content is not text", module_data(content_html={"html": "<p>"}), "content_html"),
    ("content is over 500 kB", module_data(content_html="x" * 500_001), "content_html"),
    ("slug has capitals", module_data(slug="Not-A-Slug"), "slug"),
    ("slug has a double hyphen", module_data(slug="a--b"), "slug"),
    ("slug ends in a newline", module_data(slug="abc\n"), "slug"),
    ("slug starts with a hyphen", module_data(slug="-abc"), "slug"),
    ("slug is not ASCII", module_data(slug="ünï"), "slug"),
    ("slug is too long", module_data(slug="a" * 101), "slug"),
    ("an unknown field", module_data(colour="blue"), "colour"),
    ("a read-only field", module_data(status="retired"), "status"),
]


@pytest.mark.parametrize(("body", "field"), [(body, field) for _, body, field in BAD_MODULES],
                         ids=[what for what, _, _ in BAD_MODULES])
def test_a_bad_new_module_answers_422_naming_the_field_and_stores_nothing(api, stored, body,
                                                                          field):
    before = stored()

    response = api.post("/modules", body)

    assert response.status_code == 422, response.get_json()
    error = error_of(response)
    assert error["code"] == "validation_failed"
    assert field in error["details"], error
    assert stored() == before


BAD_EDITS = [(what, {field: body[field]}, field) for what, body, field in BAD_MODULES
             if field in body and field != "slug"]


@pytest.mark.parametrize(("body", "field"), [(body, field) for _, body, field in BAD_EDITS],
                         ids=[what for what, _, _ in BAD_EDITS])
def test_a_bad_edit_answers_422_naming_the_field_and_changes_nothing(api, create_module, stored,
                                                                     body, field):
    slug = create_module(partner_agencies=["ILO"], themes=["gender"])["slug"]
    before = stored()

    response = api.patch(f"/modules/{slug}", body)

    assert response.status_code == 422, response.get_json()
    assert field in error_of(response)["details"]
    assert stored() == before


@pytest.mark.parametrize("field", ["title", "owner_agency", "learning_objectives", "themes",
                                   "languages", "partner_agencies", "audience", "sources"])
def test_an_edit_may_not_set_a_required_field_or_a_list_to_null(api, create_module, stored,
                                                                field):
    slug = create_module()["slug"]
    before = stored()

    response = api.patch(f"/modules/{slug}", {field: None})

    assert response.status_code == 422
    assert field in error_of(response)["details"]
    assert stored() == before


def test_an_edit_that_fails_half_way_changes_nothing(api, create_module, stored):
    slug = create_module()["slug"]
    before = stored()

    response = api.patch(f"/modules/{slug}", {"title": "Renamed", "themes": ["A brand new theme"],
                                              "partner_agencies": ["NOBODY"]})

    assert response.status_code == 422
    assert stored() == before


def test_a_duplicate_slug_answers_409_and_stores_nothing(api, create_module, stored):
    create_module(slug="iml")
    before = stored()

    response = api.post("/modules", module_data("Another module", slug="iml"))

    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "conflict"
    assert "slug" in error["details"]
    assert stored() == before


@pytest.mark.parametrize("body", [
    b"{not json",
    b'{"title": "A", "owner_agency": "IOM",}',
    b"{'title': 'A'}",
    b'{"title": "Caf\xe9", "owner_agency": "IOM"}',
])
def test_a_body_that_is_not_json_answers_400(api, stored, body):
    before = stored()

    response = api.post("/modules", data=body, headers={"Content-Type": "application/json"})

    assert response.status_code == 400
    assert error_of(response)["code"] == "bad_request"
    assert stored() == before


def test_a_deeply_nested_json_body_answers_400(api, stored):
    before = stored()

    response = api.post("/modules", data="[" * 100_000,
                        headers={"Content-Type": "application/json"})

    assert response.status_code == 400
    assert "nested" in error_of(response)["message"]
    assert stored() == before


@pytest.mark.parametrize("body", ["[]", "[1, 2]", '"a title"', "42", "true"])
def test_a_json_body_that_is_not_an_object_answers_422(api, stored, body):
    before = stored()

    response = api.post("/modules", data=body, headers={"Content-Type": "application/json"})

    assert response.status_code == 422
    error_of(response)
    assert stored() == before


def test_nan_is_not_a_duration(api, stored):
    before = stored()

    response = api.post("/modules", data='{"title": "A", "owner_agency": "IOM", '
                                         '"duration_minutes": NaN}',
                        headers={"Content-Type": "application/json"})

    assert response.status_code == 422
    assert "duration_minutes" in error_of(response)["details"]
    assert stored() == before


def test_a_body_not_sent_as_json_is_not_read_as_a_module(api, stored):
    before = stored()

    response = api.post("/modules", data='{"title": "A", "owner_agency": "IOM"}',
                        headers={"Content-Type": "text/plain"})

    assert response.status_code == 422
    assert "title" in error_of(response)["details"]
    assert stored() == before


def test_a_body_over_the_size_limit_answers_413_in_the_error_shape(api, stored):
    before = stored()

    response = api.post("/modules", module_data(content_html="x" * (9 * 1024 * 1024)))

    assert response.status_code == 413
    assert error_of(response)["code"] == "payload_too_large"
    assert stored() == before


def test_an_import_over_the_size_limit_answers_413(upload, stored):
    before = stored()

    response = upload("title,owner_agency\n" + "A module,IOM\n" * 800_000)

    assert response.status_code == 413
    assert error_of(response)["code"] == "payload_too_large"
    assert stored() == before


@pytest.mark.parametrize("path", ["/modules/a%00b", "/modules/%ff%fe", "/modules/..%2f..",
                                  "/modules/" + "a" * 5000, "/agencies/a%00b", "/themes/a%00b",
                                  "/modules/a%00b/retire"])
def test_a_strange_slug_in_the_path_is_simply_not_found(api, path):
    method = "POST" if path.endswith("/retire") else "GET"

    response = api.request(method, path)

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


UNICODE_TITLES = [
    "مقدمة في قانون الهجرة الدولي",
    "移民数据导论",
    "Миграционное право",
    "Gestión de la migración: más allá",
    "Children on the Move 🧒🌍",
    "👩‍👩‍👧‍👦 Family reunification",
    "Straße & Grüße — “quotes” \u2018too\u2019",
]


@pytest.mark.parametrize("title", UNICODE_TITLES)
def test_a_title_in_any_script_is_accepted_kept_as_sent_and_given_an_ascii_slug(
        api, anonymous, title):
    response = api.post("/modules", module_data(title, summary=f"{title}\n\n{title}",
                                                learning_objectives=[title], themes=[title],
                                                audience=[title]))

    assert response.status_code == 201, response.get_json()
    slug = response.get_json()["slug"]
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug)
    body = anonymous.get(f"/modules/{slug}").get_json()
    assert body["title"] == title
    assert body["summary"] == f"{title}\n\n{title}"
    assert body["learning_objectives"] == [title]
    assert [t["name"] for t in body["themes"]] == [title]
    assert body["audience"] == [title]


def test_titles_without_any_letter_to_spell_get_a_fallback_slug(api):
    slugs = [api.post("/modules", module_data(title)).get_json()["slug"]
             for title in ("🎉🎉", "🧒", "!!!")]

    assert slugs == ["item", "item-2", "item-3"]


def test_an_emoji_only_theme_does_not_clash_with_another(api):
    first = api.post("/modules", module_data("First", themes=["🙂"]))
    second = api.post("/modules", module_data("Second", themes=["🎉", "Gender!"]))

    assert first.status_code == second.status_code == 201, second.get_json()
    assert first.get_json()["themes"][0]["slug"] != second.get_json()["themes"][0]["slug"]


def test_a_long_title_gets_a_slug_of_at_most_100_characters(api, anonymous):
    title = " ".join(["Migration"] * 30)

    first = api.post("/modules", module_data(title)).get_json()["slug"]
    second = api.post("/modules", module_data(title)).get_json()["slug"]

    assert len(first) <= 100 and len(second) <= 100
    assert second.endswith("-2") and "--" not in second
    assert anonymous.get(f"/modules/{second}").status_code == 200


def test_an_audience_that_folds_longer_than_it_was_is_stored(api, anonymous):
    label = "ß" * 200

    response = api.post("/modules", module_data(audience=[label]))

    assert response.status_code == 201, response.get_json()
    assert anonymous.get(f"/modules?audience={'ẞ' * 200}").get_json()["total"] == 1


def test_whitespace_inside_a_title_is_tidied(api):
    body = api.post("/modules", module_data("  Migration \t law\n  basics ")).get_json()

    assert body["title"] == "Migration law basics"


def test_a_value_the_database_refuses_answers_400_not_500(app, client):
    def refuse() -> None:
        raise DataError("INSERT ...", {}, ValueError("NUL byte"))

    app.add_url_rule("/api/v1/refuse", view_func=refuse)

    response = client.get("/api/v1/refuse")

    assert response.status_code == 400
    assert "cannot be stored" in error_of(response)["message"]


def test_a_recursion_error_outside_json_reading_stays_an_internal_error(app, client):
    def recurse() -> None:
        raise RecursionError("maximum recursion depth exceeded")

    app.add_url_rule("/api/v1/recurse", view_func=recurse)

    response = client.get("/api/v1/recurse")

    assert response.status_code == 500
    assert error_of(response)["code"] == "internal_error"
