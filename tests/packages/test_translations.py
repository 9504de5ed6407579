"""Translations of package and module texts: stored per language against the original they
translate, listed as current or outdated, refused when malformed, editable by editors only."""

from __future__ import annotations

import pytest

from tests.helpers import ApiClient, error_of

FRENCH_PACKAGE = {
    "title": "Fondements de la gouvernance des migrations",
    "description": "Le niveau d'entrée du curriculum permanent.",
    "learning_objectives": ["Expliquer la gouvernance des migrations."],
    "sections.0.title": "Droit et genre",
}


def languages_of(body: dict) -> dict[str, dict]:
    """The listing's languages by code."""
    return {entry["lang"]: entry for entry in body["languages"]}


def test_a_package_translation_is_stored_and_listed_as_current(api: ApiClient, draft: dict):
    slug = draft["slug"]
    stored = api.put(f"/packages/{slug}/translations/fr", {"fields": FRENCH_PACKAGE})
    assert stored.status_code == 200, stored.get_json()
    assert stored.get_json()["lang"] == "fr"

    listing = api.get(f"/packages/{slug}/translations").get_json()
    assert listing["source_language"] == "en"
    assert listing["source"]["sections.1.title"] == "Labour and protection"
    languages = languages_of(listing)
    assert list(languages) == ["fr", "es", "ar", "ru", "zh"]
    french = languages["fr"]
    assert french["fields"]["title"]["text"] == FRENCH_PACKAGE["title"]
    assert {entry["status"] for entry in french["fields"].values()} == {"current"}
    assert set(french["missing"]) == {"audience", "prerequisites", "sections.1.title"}
    assert languages["es"]["fields"] == {}


def test_a_translation_becomes_outdated_when_its_original_changes(api: ApiClient, draft: dict):
    slug = draft["slug"]
    api.put(f"/packages/{slug}/translations/fr", {"fields": FRENCH_PACKAGE})
    assert api.patch(f"/packages/{slug}", {"title": "Foundations, revised"}).status_code == 200

    french = languages_of(api.get(f"/packages/{slug}/translations").get_json())["fr"]
    assert french["fields"]["title"]["status"] == "outdated"
    assert french["fields"]["description"]["status"] == "current"
    assert "title" in french["missing"]


def test_sending_an_outdated_translation_back_unchanged_does_not_make_it_current(
        api: ApiClient, draft: dict):
    slug = draft["slug"]
    api.put(f"/packages/{slug}/translations/fr", {"fields": FRENCH_PACKAGE})
    api.patch(f"/packages/{slug}", {"title": "Foundations, revised"})

    again = api.put(f"/packages/{slug}/translations/fr", {"fields": FRENCH_PACKAGE}).get_json()
    assert again["fields"]["title"]["status"] == "outdated"
    revised = api.put(f"/packages/{slug}/translations/fr", {
        "fields": {**FRENCH_PACKAGE, "title": "Fondements, révisés"}}).get_json()
    assert revised["fields"]["title"]["status"] == "current"


def test_a_put_replaces_the_language_and_a_delete_removes_it(api: ApiClient, draft: dict):
    slug = draft["slug"]
    api.put(f"/packages/{slug}/translations/fr", {"fields": FRENCH_PACKAGE})
    api.put(f"/packages/{slug}/translations/es", {"fields": {"title": "Fundamentos"}})
    replaced = api.put(f"/packages/{slug}/translations/fr", {"fields": {"title": "Fondements"}})
    assert set(replaced.get_json()["fields"]) == {"title"}

    assert api.delete(f"/packages/{slug}/translations/fr").status_code == 204
    languages = languages_of(api.get(f"/packages/{slug}/translations").get_json())
    assert languages["fr"]["fields"] == {}
    assert languages["es"]["fields"]["title"]["text"] == "Fundamentos"


def test_a_module_translation_is_stored_and_becomes_outdated_with_its_summary(
        api: ApiClient, module_slugs: list[str]):
    slug = module_slugs[0]
    stored = api.put(f"/modules/{slug}/translations/ar", {"fields": {
        "title": "قانون الهجرة الدولي", "summary": "عن قانون الهجرة الدولي.",
        "learning_objectives": ["شرح مصادر القانون."]}})
    assert stored.status_code == 200, stored.get_json()
    module = api.get(f"/modules/{slug}")
    api.patch(f"/modules/{slug}", {"summary": "A new summary."},
              headers={"If-Match": module.headers["ETag"]})

    arabic = languages_of(api.get(f"/modules/{slug}/translations").get_json())["ar"]
    assert arabic["fields"]["title"] == {**arabic["fields"]["title"], "status": "current",
                                         "text": "قانون الهجرة الدولي"}
    assert arabic["fields"]["summary"]["status"] == "outdated"


def test_any_unicode_is_kept_as_sent(api: ApiClient, module_slugs: list[str]):
    title = "移民法 · Право 👩🏽‍⚖️ «loi» עברית"
    response = api.put(f"/modules/{module_slugs[0]}/translations/zh", {"fields": {"title": title}})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["fields"]["title"]["text"] == title


@pytest.mark.parametrize(("lang", "body", "field"), [
    ("de", {"fields": {"title": "Grundlagen"}}, "lang"),
    ("en", {"fields": {"title": "Foundations"}}, "lang"),
    ("fr", {"fields": {"subtitle": "Sous-titre"}}, "fields.subtitle"),
    ("fr", {"fields": {"sections.7.title": "Septième"}}, "fields.sections.7.title"),
    ("fr", {"fields": {"title": ""}}, "fields.title"),
    ("fr", {"fields": {"title": "   "}}, "fields.title"),
    ("fr", {"fields": {"title": 42}}, "fields.title"),
    ("fr", {"fields": {"title": ["Fondements"]}}, "fields.title"),
    ("fr", {"fields": {"learning_objectives": "Expliquer."}}, "fields.learning_objectives"),
    ("fr", {"fields": {"learning_objectives": ["Un.", "Deux."]}}, "fields.learning_objectives"),
    ("fr", {"fields": {"learning_objectives": [""]}}, "fields.learning_objectives"),
    ("fr", {"fields": {"title": "Nul\x00"}}, "fields.title"),
    ("fr", {"fields": {"title": "x" * (100 * 1024 + 1)}}, None),
    ("fr", {"fields": ["title"]}, "fields"),
    ("fr", {"title": "Fondements"}, "fields"),
])
def test_bad_input_is_refused_and_changes_nothing(api: ApiClient, draft: dict, lang: str,
                                                  body: dict, field: str | None):
    slug = draft["slug"]
    api.put(f"/packages/{slug}/translations/fr", {"fields": {"title": "Fondements"}})
    response = api.put(f"/packages/{slug}/translations/{lang}", body)
    assert 400 <= response.status_code < 500
    error = error_of(response)
    if field is not None:
        assert response.status_code == 422
        assert field in error["details"], error
    else:
        assert response.status_code == 413
    french = languages_of(api.get(f"/packages/{slug}/translations").get_json())["fr"]
    assert {name: entry["text"] for name, entry in french["fields"].items()} == {
        "title": "Fondements"}


def test_a_text_for_an_empty_original_is_refused(api: ApiClient, draft: dict):
    response = api.put(f"/packages/{draft['slug']}/translations/fr",
                       {"fields": {"sections.0.description": "Une description."}})
    assert response.status_code == 422
    assert "no text to translate" in error_of(response)["details"][
        "fields.sections.0.description"][0]


def test_an_unknown_language_is_refused_on_delete(api: ApiClient, draft: dict):
    response = api.delete(f"/packages/{draft['slug']}/translations/xx")
    assert response.status_code == 422
    assert "lang" in error_of(response)["details"]


def test_only_editors_change_translations(anonymous: ApiClient, api: ApiClient, draft: dict,
                                          module_slugs: list[str]):
    body = {"fields": {"title": "Fondements"}}
    for path in (f"/packages/{draft['slug']}/translations/fr",
                 f"/modules/{module_slugs[0]}/translations/fr"):
        assert anonymous.put(path, body).status_code == 401
        assert anonymous.delete(path).status_code == 401
        assert api.put(path, body).status_code == 200


def test_a_draft_packages_translations_are_hidden_from_the_public(anonymous: ApiClient,
                                                                  draft: dict):
    assert anonymous.get(f"/packages/{draft['slug']}/translations").status_code == 404


def test_a_published_packages_translations_are_public_without_the_draft_texts(
        anonymous: ApiClient, api: ApiClient, published: dict, draft: dict):
    api.put(f"/packages/{draft['slug']}/translations/fr", {"fields": {"title": "Fondements"}})
    listing = anonymous.get(f"/packages/{draft['slug']}/translations").get_json()
    assert listing["source"] == {}
    assert languages_of(listing)["fr"]["fields"]["title"]["text"] == "Fondements"


def test_the_translations_api_is_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert set(paths["/api/v1/packages/{slug}/translations/{lang}"]) >= {"put", "delete"}
    assert "get" in paths["/api/v1/modules/{slug}/translations"]
