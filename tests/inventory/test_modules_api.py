"""The module inventory API: create, read, edit, retire and restore modules."""

from __future__ import annotations

import pytest

from curriculum.accounts.services import get_user, revoke_tokens
from tests.helpers import error_of, module_data


def test_creating_a_module_answers_201_with_the_module_its_slug_and_an_etag(api):
    response = api.post("/modules", module_data(
        kind="course", level="introductory", audience=["Government officials"],
        partner_agencies=["UNITAR"], year_first_offered=2019, url="https://example.org/iml",
        licence="CC BY 4.0", sources=["https://example.org/source"], source_confidence="high"))

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["slug"] == "introduction-to-international-migration-law"
    assert body["title"] == "Introduction to International Migration Law"
    assert body["owner_agency"]["code"] == "IOM"
    assert [a["code"] for a in body["partner_agencies"]] == ["UNITAR"]
    assert body["themes"] == [{"slug": "international-migration-law",
                               "name": "international migration law"}]
    assert body["languages"] == ["en"]
    assert body["audience"] == ["Government officials"]
    assert body["duration_minutes"] == 60
    assert body["kind"] == "course"
    assert body["year_first_offered"] == 2019
    assert body["status"] == "active"
    assert body["revision"] == 1
    assert response.headers["ETag"] == '"r1"'


def test_a_created_module_can_be_read_by_anyone(api, anonymous, create_module):
    slug = create_module()["slug"]

    response = anonymous.get(f"/modules/{slug}")

    assert response.status_code == 200
    assert response.get_json()["slug"] == slug
    assert response.headers["ETag"] == '"r1"'


def test_unknown_facts_stay_empty_rather_than_guessed(api):
    response = api.post("/modules", {"title": "A module we know little about",
                                     "owner_agency": "IOM"})

    body = response.get_json()
    assert response.status_code == 201, body
    for field in ("kind", "summary", "level", "duration_minutes", "delivery_mode",
                  "year_first_offered", "url", "content_html", "licence", "source_confidence"):
        assert body[field] is None, field
    for field in ("learning_objectives", "partner_agencies", "themes", "audience", "languages",
                  "sources"):
        assert body[field] == [], field
    assert body["is_hosted"] is False


def test_an_empty_optional_text_is_stored_as_unknown(api):
    response = api.post("/modules", module_data(summary="   ", licence="", url=""))

    body = response.get_json()
    assert response.status_code == 201, body
    assert (body["summary"], body["licence"], body["url"]) == (None, None, None)


def test_the_owner_may_be_named_by_code_slug_or_name_in_any_case(api):
    for reference in ("iom", "International Organization for Migration", " IOM "):
        response = api.post("/modules", module_data(f"Module owned by {reference}",
                                                    owner_agency=reference))
        assert response.status_code == 201, response.get_json()
        assert response.get_json()["owner_agency"]["code"] == "IOM"


def test_the_owner_is_not_repeated_among_the_partners(api):
    response = api.post("/modules", module_data(partner_agencies=["IOM", "UNITAR", "unitar"]))

    assert [a["code"] for a in response.get_json()["partner_agencies"]] == ["UNITAR"]


def test_a_second_module_with_the_same_title_gets_a_numbered_slug(create_module):
    first = create_module("Labour Migration")
    second = create_module("Labour Migration", owner_agency="ILO")

    assert (first["slug"], second["slug"]) == ("labour-migration", "labour-migration-2")


def test_a_module_may_be_given_its_own_slug(api):
    response = api.post("/modules", module_data(slug="iml-101"))

    assert response.get_json()["slug"] == "iml-101"


def test_reading_an_unknown_module_answers_404_in_the_error_shape(anonymous):
    response = anonymous.get("/modules/no-such-module")

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_editing_a_module_changes_only_the_given_fields_and_the_revision(api, create_module):
    slug = create_module(summary="Old summary.")["slug"]

    response = api.patch(f"/modules/{slug}", {"summary": "New summary.", "languages": ["fr"]})

    body = response.get_json()
    assert response.status_code == 200, body
    assert body["summary"] == "New summary."
    assert body["languages"] == ["fr"]
    assert body["title"] == "Introduction to International Migration Law"
    assert body["duration_minutes"] == 60
    assert body["revision"] == 2
    assert response.headers["ETag"] == '"r2"'


def test_one_edit_counts_one_revision_even_when_it_adds_a_theme(api, create_module):
    slug = create_module()["slug"]

    response = api.patch(f"/modules/{slug}", {"title": "Renamed", "themes": ["A new theme"],
                                              "partner_agencies": ["ILO"]})

    assert response.get_json()["revision"] == 2
    assert response.headers["ETag"] == '"r2"'


def test_an_edit_can_clear_a_known_fact(api, create_module):
    slug = create_module()["slug"]

    body = api.patch(f"/modules/{slug}", {"duration_minutes": None, "themes": []}).get_json()

    assert body["duration_minutes"] is None
    assert body["themes"] == []


def test_an_edit_with_the_current_etag_succeeds(api, create_module):
    slug = create_module()["slug"]
    etag = api.get(f"/modules/{slug}").headers["ETag"]

    response = api.patch(f"/modules/{slug}", {"level": "advanced"}, headers={"If-Match": etag})

    assert response.status_code == 200
    assert response.get_json()["level"] == "advanced"


def test_an_edit_with_a_stale_etag_answers_412_and_changes_nothing(api, create_module, stored):
    slug = create_module()["slug"]
    stale = api.get(f"/modules/{slug}").headers["ETag"]
    assert api.patch(f"/modules/{slug}", {"level": "advanced"}).status_code == 200
    before = stored()

    response = api.patch(f"/modules/{slug}", {"level": "introductory"},
                         headers={"If-Match": stale})

    assert response.status_code == 412
    error = error_of(response)
    assert error["code"] == "precondition_failed"
    assert error["details"] == {"current_revision": 2}
    assert stored() == before
    assert api.get(f"/modules/{slug}").get_json()["level"] == "advanced"


def test_the_slug_of_a_module_never_changes(api, create_module, stored):
    slug = create_module()["slug"]
    before = stored()

    response = api.patch(f"/modules/{slug}", {"slug": "another-slug", "title": "Renamed"})

    assert response.status_code == 400
    assert "slug" in error_of(response)["message"]
    assert stored() == before


def test_sending_the_same_slug_back_in_an_edit_is_allowed(api, create_module):
    slug = create_module()["slug"]

    response = api.patch(f"/modules/{slug}", {"slug": slug, "title": "Renamed"})

    assert response.status_code == 200
    assert response.get_json()["slug"] == slug


def test_editing_an_unknown_module_answers_404(api):
    assert api.patch("/modules/no-such-module", {"title": "X"}).status_code == 404


def test_a_retired_module_leaves_the_default_list_but_can_still_be_read(api, anonymous,
                                                                        create_module):
    slug = create_module()["slug"]

    response = api.post(f"/modules/{slug}/retire")

    assert response.status_code == 200
    assert response.get_json()["status"] == "retired"
    assert response.get_json()["retired_at"] is not None
    assert anonymous.get("/modules").get_json()["total"] == 0
    assert anonymous.get("/modules?status=retired").get_json()["items"][0]["slug"] == slug
    assert anonymous.get(f"/modules/{slug}").get_json()["status"] == "retired"


def test_retiring_twice_keeps_the_first_retirement(api, create_module):
    slug = create_module()["slug"]
    first = api.post(f"/modules/{slug}/retire").get_json()

    second = api.post(f"/modules/{slug}/retire").get_json()

    assert second["retired_at"] == first["retired_at"]
    assert second["revision"] == first["revision"]


def test_a_restored_module_is_active_again(api, anonymous, create_module):
    slug = create_module()["slug"]
    api.post(f"/modules/{slug}/retire")

    response = api.post(f"/modules/{slug}/restore")

    assert response.status_code == 200
    assert response.get_json()["status"] == "active"
    assert response.get_json()["retired_at"] is None
    assert anonymous.get("/modules").get_json()["total"] == 1


def test_restoring_an_active_module_changes_nothing(api, create_module, stored):
    slug = create_module()["slug"]
    before = stored()

    response = api.post(f"/modules/{slug}/restore")

    assert response.status_code == 200
    assert stored() == before


def test_retiring_an_unknown_module_answers_404(api):
    assert api.post("/modules/no-such-module/retire").status_code == 404
    assert api.post("/modules/no-such-module/restore").status_code == 404


def test_a_publisher_may_edit_the_inventory_too(publisher_api):
    assert publisher_api.post("/modules", module_data()).status_code == 201


@pytest.mark.parametrize(("method", "path"), [
    ("POST", "/modules"),
    ("PATCH", "/modules/introduction-to-international-migration-law"),
    ("POST", "/modules/introduction-to-international-migration-law/retire"),
    ("POST", "/modules/introduction-to-international-migration-law/restore"),
    ("POST", "/modules/import"),
])
def test_writing_without_a_token_answers_401_and_changes_nothing(anonymous, create_module,
                                                                 stored, method, path):
    create_module()
    before = stored()

    response = anonymous.request(method, path, json=module_data("Another title"))

    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"
    assert stored() == before


@pytest.mark.parametrize("header", [
    "Bearer gmg_not-a-real-token",
    "Bearer ",
    "Basic dXNlcjpwYXNz",
    "gmg_token-without-a-scheme",
])
def test_writing_with_a_bad_token_answers_401(client, agencies, header):
    response = client.post("/api/v1/modules", json=module_data(),
                           headers={"Authorization": header})

    assert response.status_code == 401
    assert "token" in error_of(response)["message"].lower()


def test_a_revoked_token_answers_401(api, session, stored):
    user = get_user(session, "editor@example.org")
    revoke_tokens(session, user)
    session.commit()
    before = stored()

    response = api.post("/modules", module_data())

    assert response.status_code == 401
    assert "revoked" in error_of(response)["message"]
    assert stored() == before


def test_a_bad_token_is_refused_before_the_body_is_read(client, agencies):
    response = client.post("/api/v1/modules", json={"title": 5},
                           headers={"Authorization": "Bearer wrong"})

    assert response.status_code == 401
