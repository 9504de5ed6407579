"""The difference between versions, and between the newest version and the draft."""


def _publish(publisher_api, slug, note):
    response = publisher_api.post(f"/packages/{slug}/publish", {"change_note": note})
    assert response.status_code == 201, response.get_json()


def test_the_diff_names_modules_added_removed_moved_reflagged_and_changed(
        api, publisher_api, published, module_slugs):
    slug = published["package"]["slug"]
    api.patch(f"/modules/{module_slugs[1]}", {"summary": "A new summary."})
    api.patch(f"/packages/{slug}", {"sections": [
        {"title": "Law and gender", "items": [
            {"module": module_slugs[1]}, {"module": module_slugs[0], "required": False}]},
        {"title": "Labour and protection", "items": [{"module": module_slugs[2]}]},
    ]})
    _publish(publisher_api, slug, "Reordered.")
    diff = api.get(f"/packages/{slug}/versions/1/diff/2").get_json()
    assert diff["from"] == 1 and diff["to"] == 2
    modules = diff["modules"]
    assert modules["added"] == []
    assert [m["slug"] for m in modules["removed"]] == [module_slugs[3]]
    assert {m["slug"]: (m["from"]["position"], m["to"]["position"])
            for m in modules["moved"]} == {module_slugs[1]: (2, 1), module_slugs[0]: (1, 2)}
    assert modules["requirement_changed"] == [
        {"slug": module_slugs[0], "title": "International Migration Law", "from": True,
         "to": False}]
    assert modules["changed"] == [
        {"slug": module_slugs[1], "title": "Gender and Migration", "fields": ["summary"]}]
    assert diff["is_empty"] is False


def test_the_diff_names_changed_package_fields_and_sections(api, publisher_api, published,
                                                            module_slugs):
    slug = published["package"]["slug"]
    api.patch(f"/packages/{slug}", {"title": "Foundations", "sections": [
        {"title": "Everything", "items": [{"module": s} for s in module_slugs]}]})
    _publish(publisher_api, slug, "One section.")
    diff = api.get(f"/packages/{slug}/versions/1/diff/2").get_json()
    assert diff["fields"] == [{"field": "title", "from": "Foundations of Migration Governance",
                               "to": "Foundations"}]
    assert diff["sections"]["added"] == ["Everything"]
    assert diff["sections"]["removed"] == ["Law and gender", "Labour and protection"]


def test_a_version_compared_with_itself_is_empty(anonymous, published):
    diff = anonymous.get(f"/packages/{published['package']['slug']}/versions/1/diff/1")
    assert diff.get_json()["is_empty"] is True


def test_the_diff_of_a_missing_version_is_not_found(anonymous, published):
    response = anonymous.get(f"/packages/{published['package']['slug']}/versions/1/diff/3")
    assert response.status_code == 404


def test_editors_see_what_publishing_now_would_change(api, published, module_slugs):
    slug = published["package"]["slug"]
    assert api.get(f"/packages/{slug}/changes").get_json()["is_empty"] is True
    api.patch(f"/packages/{slug}", {"sections": [
        {"title": "Law and gender", "items": [{"module": module_slugs[0]}]}]})
    changes = api.get(f"/packages/{slug}/changes").get_json()
    assert changes["from"] == 1 and changes["to"] == "draft"
    assert len(changes["modules"]["removed"]) == 3


def test_before_the_first_version_every_module_is_a_change(api, draft):
    changes = api.get(f"/packages/{draft['slug']}/changes").get_json()
    assert changes["from"] is None
    assert len(changes["modules"]["added"]) == 4
