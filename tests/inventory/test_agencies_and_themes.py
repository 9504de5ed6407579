"""Agencies and themes: anyone lists and reads them, editors add and change them."""

from __future__ import annotations

import pytest

from curriculum.inventory.reference import reference_agencies
from tests.helpers import error_of, module_data

# Agencies -------------------------------------------------------------------------------


def test_the_agency_list_is_public_paged_and_ordered_by_code(anonymous, agencies):
    body = anonymous.get("/agencies").get_json()

    assert (body["page"], body["page_size"], body["total"]) == (1, 50, len(reference_agencies()))
    codes = [agency["code"] for agency in body["items"]]
    assert codes == sorted(codes)
    assert set(body["items"][0]) == {"slug", "code", "name", "url", "is_gmg_member"}


def test_the_agency_list_can_be_paged(anonymous, agencies):
    first = anonymous.get("/agencies?page_size=10").get_json()
    second = anonymous.get("/agencies?page_size=10&page=2").get_json()

    assert first["pages"] == -(-len(reference_agencies()) // 10)
    assert not {a["code"] for a in first["items"]} & {a["code"] for a in second["items"]}


@pytest.mark.parametrize("query", ["page=0", "page_size=101", "page_size=x"])
def test_a_wrong_page_of_agencies_answers_422(anonymous, query):
    assert anonymous.get(f"/agencies?{query}").status_code == 422


def test_an_agency_is_read_by_its_slug(anonymous, agencies):
    body = anonymous.get("/agencies/iom").get_json()

    assert body == {"slug": "iom", "code": "IOM",
                    "name": "International Organization for Migration",
                    "url": "https://www.iom.int", "is_gmg_member": True}


def test_reading_an_unknown_agency_answers_404(anonymous):
    response = anonymous.get("/agencies/nobody")

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_an_editor_adds_an_agency_whose_slug_comes_from_its_code(api, anonymous):
    response = api.post("/agencies", {"code": "MPI Europe", "name": "Migration Policy Institute",
                                      "url": "https://www.mpi.org"})

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["slug"] == "mpi-europe"
    assert anonymous.get("/agencies/mpi-europe").get_json()["is_gmg_member"] is False


def test_an_agency_may_be_given_its_own_slug(api):
    response = api.post("/agencies", {"code": "MPI", "slug": "mpi-eu", "name": "MPI Europe"})

    assert response.get_json()["slug"] == "mpi-eu"


def test_an_agency_with_a_code_in_another_script_gets_an_ascii_slug(api, anonymous):
    response = api.post("/agencies", {"code": "منظمة", "name": "منظمة الهجرة"})

    assert response.status_code == 201, response.get_json()
    slug = response.get_json()["slug"]
    assert slug.isascii()
    assert anonymous.get(f"/agencies/{slug}").get_json()["name"] == "منظمة الهجرة"


def test_a_long_agency_code_gets_a_slug_that_fits(api, anonymous):
    response = api.post("/agencies", {"code": "中" * 80, "name": "A long code"})

    assert response.status_code == 201, response.get_json()
    slug = response.get_json()["slug"]
    assert len(slug) <= 80
    assert anonymous.get(f"/agencies/{slug}").status_code == 200


def test_a_new_agency_can_own_modules_at_once(api):
    api.post("/agencies", {"code": "MPI", "name": "Migration Policy Institute"})

    response = api.post("/modules", module_data(owner_agency="mpi"))

    assert response.get_json()["owner_agency"]["code"] == "MPI"


@pytest.mark.parametrize(("body", "field"), [
    ({"code": "iom", "name": "Another IOM"}, "code"),
    ({"code": "NEW", "slug": "iom", "name": "Another IOM"}, "slug"),
])
def test_a_taken_agency_code_or_slug_answers_409(api, stored, body, field):
    before = stored()

    response = api.post("/agencies", body)

    assert response.status_code == 409
    assert field in error_of(response)["details"]
    assert stored() == before


@pytest.mark.parametrize(("body", "field"), [
    ({"name": "No code"}, "code"),
    ({"code": "NEW"}, "name"),
    ({"code": "  ", "name": "Blank code"}, "code"),
    ({"code": 5, "name": "Numeric code"}, "code"),
    ({"code": "N" * 81, "name": "Long code"}, "code"),
    ({"code": "NEW", "name": "N" * 301}, "name"),
    ({"code": "NEW", "name": "Nul\x00name"}, "name"),
    ({"code": "NEW", "name": "New", "slug": "a" * 81}, "slug"),
    ({"code": "NEW", "name": "New", "slug": "Not A Slug"}, "slug"),
    ({"code": "NEW", "name": "New", "url": "javascript:alert(1)"}, "url"),
    ({"code": "NEW", "name": "New", "is_gmg_member": "perhaps"}, "is_gmg_member"),
    ({"code": "NEW", "name": "New", "colour": "blue"}, "colour"),
])
def test_a_bad_new_agency_answers_422_naming_the_field(api, stored, body, field):
    before = stored()

    response = api.post("/agencies", body)

    assert response.status_code == 422, response.get_json()
    assert field in error_of(response)["details"]
    assert stored() == before


def test_an_editor_changes_an_agencys_name_url_and_membership(api, anonymous):
    response = api.patch("/agencies/itcilo", {"name": "ITC-ILO", "url": None,
                                              "is_gmg_member": True})

    assert response.status_code == 200, response.get_json()
    assert anonymous.get("/agencies/itcilo").get_json() == {
        "slug": "itcilo", "code": "ITCILO", "name": "ITC-ILO", "url": None,
        "is_gmg_member": True}


@pytest.mark.parametrize(("body", "field"), [
    ({"code": "NEWCODE"}, "code"),
    ({"slug": "new-slug"}, "slug"),
    ({"name": None}, "name"),
    ({"name": ""}, "name"),
    ({"url": "ftp://example.org"}, "url"),
])
def test_an_agencys_code_and_slug_are_stable_and_bad_changes_are_refused(api, stored, body,
                                                                        field):
    before = stored()

    response = api.patch("/agencies/iom", body)

    assert response.status_code == 422
    assert field in error_of(response)["details"]
    assert stored() == before


def test_changing_an_unknown_agency_answers_404(api):
    assert api.patch("/agencies/nobody", {"name": "Nobody"}).status_code == 404


def test_changing_agencies_needs_a_token(anonymous, agencies, stored):
    before = stored()

    assert anonymous.post("/agencies", {"code": "NEW", "name": "New"}).status_code == 401
    assert anonymous.patch("/agencies/iom", {"name": "Renamed"}).status_code == 401
    assert stored() == before


# Themes ---------------------------------------------------------------------------------


def test_themes_named_by_modules_appear_in_the_theme_list(api, anonymous):
    api.post("/modules", module_data(themes=["Labour migration", "Gender"]))

    body = anonymous.get("/themes").get_json()

    assert [t["name"] for t in body["items"]] == ["Gender", "Labour migration"]
    assert body["total"] == 2


def test_a_module_naming_a_theme_by_slug_or_in_another_case_reuses_it(api, anonymous):
    api.post("/modules", module_data("First", themes=["Labour migration"]))

    api.post("/modules", module_data("Second", themes=["labour-migration", "LABOUR  MIGRATION"]))

    assert anonymous.get("/themes").get_json()["total"] == 1
    assert anonymous.get("/modules?theme=labour-migration").get_json()["total"] == 2


def test_an_editor_adds_a_theme(api, anonymous):
    response = api.post("/themes", {"name": "Return and reintegration",
                                    "description": "Coming back.\nStaying."})

    assert response.status_code == 201, response.get_json()
    assert anonymous.get("/themes/return-and-reintegration").get_json() == {
        "slug": "return-and-reintegration", "name": "Return and reintegration",
        "description": "Coming back.\nStaying."}


def test_a_theme_whose_derived_slug_is_taken_gets_a_numbered_one(api):
    api.post("/themes", {"name": "Gender"})

    response = api.post("/themes", {"name": "Gender!"})

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["slug"] == "gender-2"


@pytest.mark.parametrize(("body", "field"), [
    ({"name": "gender"}, "name"),
    ({"name": "Gender and youth", "slug": "gender"}, "slug"),
])
def test_a_taken_theme_name_or_slug_answers_409(api, stored, body, field):
    api.post("/themes", {"name": "Gender"})
    before = stored()

    response = api.post("/themes", body)

    assert response.status_code == 409
    assert field in error_of(response)["details"]
    assert stored() == before


@pytest.mark.parametrize(("body", "field"), [
    ({}, "name"),
    ({"name": " "}, "name"),
    ({"name": "T" * 201}, "name"),
    ({"name": ["Gender"]}, "name"),
    ({"name": "Gender\x1b"}, "name"),
    ({"name": "Gender", "description": "D" * 5001}, "description"),
    ({"name": "Gender", "slug": "Gender"}, "slug"),
    ({"name": "Gender", "colour": "blue"}, "colour"),
])
def test_a_bad_new_theme_answers_422_naming_the_field(api, stored, body, field):
    before = stored()

    response = api.post("/themes", body)

    assert response.status_code == 422
    assert field in error_of(response)["details"]
    assert stored() == before


def test_an_editor_renames_a_theme_and_its_slug_stays(api, anonymous):
    api.post("/themes", {"name": "Gender"})

    response = api.patch("/themes/gender", {"name": "Gender and migration"})

    assert response.status_code == 200
    assert anonymous.get("/themes/gender").get_json()["name"] == "Gender and migration"


def test_a_theme_can_be_renamed_to_another_case_of_its_name(api, anonymous):
    api.post("/themes", {"name": "human rights"})

    response = api.patch("/themes/human-rights", {"name": "Human Rights"})

    assert response.get_json()["name"] == "Human Rights"
    assert anonymous.get("/themes/human-rights").get_json()["name"] == "Human Rights"


def test_renaming_a_theme_to_a_taken_name_answers_409_and_changes_nothing(api, stored):
    api.post("/themes", {"name": "Gender"})
    api.post("/themes", {"name": "Labour migration"})
    before = stored()

    response = api.patch("/themes/gender", {"name": "LABOUR MIGRATION"})

    assert response.status_code == 409
    assert stored() == before


def test_a_themes_description_can_be_cleared(api, anonymous):
    api.post("/themes", {"name": "Gender", "description": "About gender."})

    api.patch("/themes/gender", {"description": ""})

    assert anonymous.get("/themes/gender").get_json()["description"] is None


def test_reading_or_changing_an_unknown_theme_answers_404(api, anonymous):
    assert anonymous.get("/themes/nothing").status_code == 404
    assert api.patch("/themes/nothing", {"name": "Something"}).status_code == 404


def test_changing_themes_needs_a_token(api, anonymous, stored):
    api.post("/themes", {"name": "Gender"})
    before = stored()

    assert anonymous.post("/themes", {"name": "New"}).status_code == 401
    assert anonymous.patch("/themes/gender", {"name": "Renamed"}).status_code == 401
    assert stored() == before
