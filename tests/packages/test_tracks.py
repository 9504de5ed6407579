"""The standing curriculum: themed tracks of published packages."""

from tests.helpers import error_of


def test_a_track_arranges_published_packages_in_order(api, anonymous, published):
    slug = published["package"]["slug"]
    created = api.post("/tracks", {"title": "Foundations", "description": "Start here.",
                                   "packages": [slug]})
    assert created.status_code == 201, created.get_json()
    tracks = anonymous.get("/tracks").get_json()
    assert [t["title"] for t in tracks] == ["Foundations"]
    assert tracks[0]["packages"][0]["slug"] == slug
    assert tracks[0]["packages"][0]["latest_version"] == 1


def test_a_draft_cannot_join_a_track(api, draft):
    response = api.post("/tracks", {"title": "Foundations", "packages": [draft["slug"]]})
    assert response.status_code == 422
    assert "publish it first" in error_of(response)["message"]


def test_an_unknown_package_cannot_join_a_track(api):
    response = api.post("/tracks", {"title": "Foundations", "packages": ["nothing-here"]})
    assert response.status_code == 422
    assert error_of(response)["details"] == {
        "packages.0": ["No package has the slug 'nothing-here'."]}


def test_tracks_keep_the_curriculum_order_and_can_be_reordered(api, anonymous, published):
    api.post("/tracks", {"title": "B track"})
    api.post("/tracks", {"title": "A track"})
    assert [t["title"] for t in anonymous.get("/tracks").get_json()] == ["B track", "A track"]
    api.patch("/tracks/a-track", {"position": 0})
    assert [t["title"] for t in anonymous.get("/tracks").get_json()] == ["A track", "B track"]


def test_a_track_shows_the_newest_version_of_its_packages(api, publisher_api, published):
    slug = published["package"]["slug"]
    api.post("/tracks", {"title": "Foundations", "packages": [slug]})
    api.patch(f"/packages/{slug}", {"title": "Foundations, second edition"})
    publisher_api.post(f"/packages/{slug}/publish", {"change_note": "Renamed."})
    package = api.get("/tracks/foundations").get_json()["packages"][0]
    assert (package["title"], package["latest_version"]) == ("Foundations, second edition", 2)


def test_a_track_can_be_removed_and_its_packages_stay(api, anonymous, published):
    api.post("/tracks", {"title": "Foundations", "packages": [published["package"]["slug"]]})
    assert api.delete("/tracks/foundations").status_code == 204
    assert anonymous.get("/tracks/foundations").status_code == 404
    assert anonymous.get(f"/packages/{published['package']['slug']}").status_code == 200


def test_a_duplicate_track_slug_is_a_conflict(api):
    api.post("/tracks", {"title": "Foundations"})
    response = api.post("/tracks", {"title": "Other", "slug": "foundations"})
    assert response.status_code == 409


def test_anonymous_visitors_cannot_change_tracks(anonymous):
    assert anonymous.post("/tracks", {"title": "Mine"}).status_code == 401
