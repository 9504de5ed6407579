"""Assembling a joint package from existing modules."""

from tests.helpers import error_of, package_data


def test_a_package_holds_ordered_sections_of_required_and_optional_modules(draft, module_slugs):
    sections = draft["sections"]
    assert [s["title"] for s in sections] == ["Law and gender", "Labour and protection"]
    assert [i["module"]["slug"] for s in sections for i in s["items"]] == module_slugs
    assert [i["required"] for s in sections for i in s["items"]] == [True, True, True, False]
    assert sections[1]["items"][1]["note"] == "For protection staff."


def test_the_total_duration_is_computed_and_unknown_durations_are_counted(draft):
    assert draft["duration"] == {"total_minutes": 50 + 45 + 120, "required_minutes": 215,
                                 "modules_without_duration": 1}
    assert draft["module_count"] == 4
    assert draft["required_module_count"] == 3


def test_co_convening_agencies_and_every_agency_involved_are_listed(draft):
    assert [a["code"] for a in draft["co_convening_agencies"]] == ["IOM", "UNITAR"]
    assert [a["code"] for a in draft["agencies_involved"]] == ["IOM", "UNITAR", "ILO", "UNHCR"]


def test_a_new_package_is_a_draft_with_unpublished_changes(draft):
    assert draft["view"] == "draft"
    assert draft["latest_version"] is None
    assert draft["has_unpublished_changes"] is True
    assert draft["publish_problems"] == []


def test_sections_are_replaced_as_a_whole_when_the_arrangement_changes(api, draft, module_slugs):
    response = api.patch(f"/packages/{draft['slug']}", {"sections": [
        {"title": "All in one", "items": [{"module": module_slugs[2]},
                                          {"module": module_slugs[0], "required": False}]}]})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert [i["module"]["slug"] for i in body["sections"][0]["items"]] == [
        module_slugs[2], module_slugs[0]]
    assert body["duration"]["total_minutes"] == 170


def test_the_completion_rule_can_ask_for_at_least_n_modules(api, draft):
    response = api.patch(f"/packages/{draft['slug']}",
                         {"completion_rule": {"kind": "at_least", "count": 2}})
    assert response.get_json()["completion_rule"] == {"kind": "at_least", "count": 2}


def test_at_least_without_a_count_is_refused(api, draft):
    response = api.patch(f"/packages/{draft['slug']}", {"completion_rule": {"kind": "at_least"}})
    assert response.status_code == 422
    assert "completion_rule" in error_of(response)["details"]


def test_a_module_that_does_not_exist_is_refused_and_nothing_changes(api, draft):
    response = api.patch(f"/packages/{draft['slug']}", {"sections": [
        {"title": "Broken", "items": [{"module": "no-such-module"}]}]})
    assert response.status_code == 422
    assert error_of(response)["details"] == {
        "sections.0.items.0.module": ["No module has the slug 'no-such-module'."]}
    assert api.get(f"/packages/{draft['slug']}").get_json()["module_count"] == 4


def test_a_module_placed_twice_is_refused(api, module_slugs):
    data = package_data([module_slugs[0], module_slugs[0]])
    response = api.post("/packages", data)
    assert response.status_code == 422
    assert "already in the package" in error_of(response)["message"]


def test_a_retired_module_cannot_be_added(api, module_slugs):
    api.post(f"/modules/{module_slugs[0]}/retire")
    response = api.post("/packages", package_data([module_slugs[0]]))
    assert response.status_code == 422
    assert "retired" in error_of(response)["message"]


def test_an_unknown_co_convening_agency_is_refused(api, module_slugs):
    response = api.post("/packages", package_data(module_slugs, agencies=["NOPE"]))
    assert response.status_code == 422
    assert "agencies" in error_of(response)["details"]


def test_a_duplicate_package_slug_is_a_conflict(api, draft, module_slugs):
    response = api.post("/packages", package_data(module_slugs, slug=draft["slug"]))
    assert response.status_code == 409
    assert error_of(response)["code"] == "conflict"


def test_a_package_without_a_slug_gets_one_from_its_title(api, draft, module_slugs):
    again = api.post("/packages", package_data(module_slugs, title=draft["title"]))
    assert draft["slug"] == "foundations-of-migration-governance"
    assert again.get_json()["slug"] == "foundations-of-migration-governance-2"


def test_the_slug_of_a_package_never_changes(api, draft):
    response = api.patch(f"/packages/{draft['slug']}", {"slug": "something-else"})
    assert response.status_code == 400
    response = api.patch(f"/packages/{draft['slug']}", {"title": "A new title"})
    assert response.get_json()["slug"] == draft["slug"]


def test_unknown_fields_are_refused(api, module_slugs):
    response = api.post("/packages", {**package_data(module_slugs), "colour": "blue"})
    assert response.status_code == 422
    assert "colour" in error_of(response)["details"]


def test_drafts_are_invisible_to_anonymous_readers(anonymous, draft):
    assert anonymous.get(f"/packages/{draft['slug']}").status_code == 404
    assert anonymous.get("/packages").get_json()["total"] == 0
    assert anonymous.get(f"/packages/{draft['slug']}/versions").status_code == 404


def test_writing_needs_a_token_and_reading_drafts_needs_one_too(anonymous, module_slugs):
    response = anonymous.post("/packages", package_data(module_slugs))
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"


def test_a_never_published_draft_can_be_deleted(api, draft):
    assert api.delete(f"/packages/{draft['slug']}").status_code == 204
    assert api.get(f"/packages/{draft['slug']}").status_code == 404


def test_a_published_package_cannot_be_deleted(api, published):
    response = api.delete(f"/packages/{published['package']['slug']}")
    assert response.status_code == 409


def test_a_stale_if_match_is_refused_and_nothing_is_overwritten(api, draft):
    url = f"/packages/{draft['slug']}"
    etag = api.get(url).headers["ETag"]
    assert api.patch(url, {"title": "First editor's title"},
                     headers={"If-Match": etag}).status_code == 200
    response = api.patch(url, {"title": "Second editor's title"}, headers={"If-Match": etag})
    assert response.status_code == 412
    assert "reload" in error_of(response)["message"]
    assert api.get(url).get_json()["title"] == "First editor's title"


def test_packages_can_be_listed_by_the_module_they_contain(api, draft, module_slugs):
    listed = api.get(f"/packages?status=all&module={module_slugs[2]}").get_json()
    assert [p["slug"] for p in listed["items"]] == [draft["slug"]]
    assert api.get("/packages?status=all&module=other").get_json()["total"] == 0
