"""Publishing immutable, numbered versions."""

from tests.helpers import error_of


def test_publishing_makes_version_one_with_its_change_note(published):
    assert published["number"] == 1
    assert published["change_note"] == "First publication."
    assert published["published_by"] == "A publisher"
    assert published["package"]["title"] == "Foundations of Migration Governance"


def test_an_editor_cannot_publish(api, draft):
    response = api.post(f"/packages/{draft['slug']}/publish", {"change_note": "Go"})
    assert response.status_code == 403
    assert "publisher" in error_of(response)["message"]


def test_publishing_needs_a_change_note(publisher_api, draft):
    response = publisher_api.post(f"/packages/{draft['slug']}/publish", {"change_note": "  "})
    assert response.status_code == 422
    assert "change_note" in error_of(response)["details"]


def test_a_package_without_a_required_module_cannot_be_published(api, publisher_api, draft,
                                                                 module_slugs):
    api.patch(f"/packages/{draft['slug']}", {"sections": [
        {"title": "Optional only", "items": [{"module": module_slugs[0], "required": False}]}]})
    response = publisher_api.post(f"/packages/{draft['slug']}/publish", {"change_note": "Go"})
    assert response.status_code == 422
    assert "at least one required module" in error_of(response)["message"]
    assert publisher_api.get(f"/packages/{draft['slug']}").get_json()["latest_version"] is None


def test_an_at_least_rule_larger_than_the_package_cannot_be_published(api, publisher_api, draft):
    api.patch(f"/packages/{draft['slug']}", {"completion_rule": {"kind": "at_least",
                                                                 "count": 9}})
    response = publisher_api.post(f"/packages/{draft['slug']}/publish", {"change_note": "Go"})
    assert response.status_code == 422
    assert "at least 9 modules" in error_of(response)["message"]


def test_a_package_holding_a_retired_module_cannot_be_published(api, publisher_api, draft,
                                                                module_slugs):
    api.post(f"/modules/{module_slugs[0]}/retire")
    assert "retired" in api.get(f"/packages/{draft['slug']}").get_json()["publish_problems"][0]
    response = publisher_api.post(f"/packages/{draft['slug']}/publish", {"change_note": "Go"})
    assert response.status_code == 422


def test_publishing_twice_without_a_change_is_refused(publisher_api, published):
    slug = published["package"]["slug"]
    response = publisher_api.post(f"/packages/{slug}/publish", {"change_note": "Again"})
    assert response.status_code == 422
    assert "Nothing changed since version 1" in error_of(response)["message"]


def test_later_edits_of_the_package_never_change_a_published_version(api, publisher_api,
                                                                     published, module_slugs):
    slug = published["package"]["slug"]
    api.patch(f"/packages/{slug}", {"title": "Renamed", "sections": [
        {"title": "Only one", "items": [{"module": module_slugs[2]}]}]})
    version = api.get(f"/packages/{slug}/versions/1").get_json()
    assert version["package"] == published["package"]
    assert version["content_hash"] == published["content_hash"]


def test_later_edits_of_a_module_never_change_a_published_version(api, published, module_slugs):
    slug = published["package"]["slug"]
    api.patch(f"/modules/{module_slugs[0]}", {"title": "A rewritten title",
                                               "duration_minutes": 999})
    frozen = api.get(f"/packages/{slug}/versions/1").get_json()["package"]
    first = frozen["sections"][0]["items"][0]["module"]
    assert first["title"] == "International Migration Law"
    assert first["duration_minutes"] == 50
    draft = api.get(f"/packages/{slug}").get_json()
    assert draft["sections"][0]["items"][0]["module"]["title"] == "A rewritten title"
    assert draft["has_unpublished_changes"] is True


def test_the_next_publish_makes_a_new_version(api, publisher_api, published):
    slug = published["package"]["slug"]
    api.patch(f"/packages/{slug}", {"audience": "Everyone"})
    second = publisher_api.post(f"/packages/{slug}/publish", {"change_note": "Wider audience."})
    assert second.status_code == 201
    assert second.get_json()["number"] == 2
    versions = publisher_api.get(f"/packages/{slug}/versions").get_json()
    assert [v["number"] for v in versions] == [2, 1]
    assert [v["change_note"] for v in versions] == ["Wider audience.", "First publication."]


def test_a_published_version_cannot_be_edited_or_deleted_through_the_api(api, published):
    url = f"/packages/{published['package']['slug']}/versions/1"
    for method in ("PUT", "PATCH", "DELETE", "POST"):
        response = api.request(method, url, json={"change_note": "Rewritten history"})
        assert response.status_code == 405, method
        assert error_of(response)["code"] == "method_not_allowed"
    assert api.get(url).get_json()["change_note"] == "First publication."


def test_a_published_version_cannot_be_changed_in_the_database_either(session, published):
    import pytest
    from sqlalchemy import select

    from packages.models import ImmutableVersionError, PackageVersion

    version = session.scalar(select(PackageVersion))
    version.change_note = "Rewritten"
    with pytest.raises(ImmutableVersionError):
        session.flush()
    session.rollback()
    with pytest.raises(ImmutableVersionError):
        session.delete(session.scalar(select(PackageVersion)))
        session.flush()


def test_anonymous_readers_see_the_newest_published_version_not_the_draft(api, anonymous,
                                                                          published):
    slug = published["package"]["slug"]
    api.patch(f"/packages/{slug}", {"title": "Unpublished title"})
    public = anonymous.get(f"/packages/{slug}").get_json()
    assert public["view"] == "published"
    assert public["title"] == "Foundations of Migration Governance"
    assert public["latest_version"] == 1
    assert public["revision"] is None
    assert anonymous.get(f"/packages/{slug}?view=draft").get_json()["title"] == (
        "Foundations of Migration Governance")
    assert api.get(f"/packages/{slug}?view=published").get_json()["title"] == (
        "Foundations of Migration Governance")
    assert api.get(f"/packages/{slug}").get_json()["title"] == "Unpublished title"


def test_a_missing_version_is_not_found(anonymous, published):
    response = anonymous.get(f"/packages/{published['package']['slug']}/versions/7")
    assert response.status_code == 404
    assert "no version 7" in error_of(response)["message"]


def test_published_packages_are_listed_for_everyone(anonymous, published):
    listed = anonymous.get("/packages").get_json()
    assert listed["total"] == 1
    assert listed["items"][0]["latest_version"] == 1
    assert listed["items"][0]["module_count"] == 4


def test_publication_times_are_given_in_utc(published):
    assert published["published_at"].endswith("+00:00")
