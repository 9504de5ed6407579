"""Importing an inventory through ``POST /api/v1/modules/import``: every row is checked first,
and nothing is written unless all are valid (or ``skip_invalid`` says to write the valid ones)."""

from __future__ import annotations

import io
import json

import pytest

from tests.helpers import error_of

HEADER = "title,owner_agency,partner_agencies,themes,languages,duration_hours,summary\n"
TWO_ROWS = (HEADER
            + "Gender and Migration,IOM,,gender; human rights,en;fr,0.75,Forty-five minutes.\n"
            + "Labour Migration Academy,ITCILO,ILO,labour migration,en,,Two weeks.\n")


def problems_of(response) -> list[dict]:
    """The problems a rejected import lists in its details."""
    assert response.status_code == 422, response.get_json()
    details: list[dict] = error_of(response)["details"]
    return details


def test_a_valid_csv_body_creates_every_row_and_reports_it(upload, anonymous):
    response = upload(TWO_ROWS)

    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {
        "format": "csv", "rows": 2, "valid": 2, "created": 2, "updated": 0, "unchanged": 0,
        "skipped": 0, "written": True, "errors": [], "warnings": []}
    module = anonymous.get("/modules/gender-and-migration").get_json()
    assert module["languages"] == ["en", "fr"]
    assert [t["name"] for t in module["themes"]] == ["gender", "human rights"]
    assert module["duration_minutes"] == 45


def test_a_json_array_body_imports_like_csv(upload, anonymous):
    records = [{"title": "Gender and Migration", "owner_agency": "IOM", "languages": ["en"],
                "learning_objectives": ["Tell gender-responsive policy apart."],
                "duration_minutes": 45, "kind": "module"}]

    response = upload(json.dumps(records), "application/json")

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["created"] == 1
    module = anonymous.get("/modules/gender-and-migration").get_json()
    assert module["learning_objectives"] == ["Tell gender-responsive policy apart."]
    assert module["kind"] == "module"


def test_a_file_may_come_as_the_multipart_field_file(api, anonymous):
    records = [{"title": "Gender and Migration", "owner_agency": "IOM"}]
    data = {"file": (io.BytesIO(json.dumps(records).encode()), "inventory.json")}

    response = api.post("/modules/import", data=data, content_type="multipart/form-data")

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["format"] == "json"
    assert anonymous.get("/modules/gender-and-migration").status_code == 200


def test_the_format_parameter_overrides_the_content_type(upload):
    response = upload(TWO_ROWS, "application/octet-stream", "?format=csv")

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["created"] == 2


def test_a_body_of_unknown_type_asks_whether_it_is_csv_or_json(upload, stored):
    before = stored()

    response = upload(TWO_ROWS, "application/octet-stream")

    assert response.status_code == 422
    assert "CSV or JSON" in error_of(response)["message"]
    assert stored() == before


def test_an_empty_body_answers_400(upload):
    response = upload(b"")

    assert response.status_code == 400
    assert "file" in error_of(response)["message"]


def test_a_dry_run_reports_what_would_happen_and_writes_nothing(upload, stored):
    before = stored()

    response = upload(TWO_ROWS, query="?dry_run=true")

    assert response.status_code == 200
    report = response.get_json()
    assert (report["created"], report["written"]) == (2, False)
    assert stored() == before


def test_importing_the_same_file_twice_changes_nothing_the_second_time(upload, stored):
    upload(TWO_ROWS)
    before = stored()

    report = upload(TWO_ROWS).get_json()

    assert (report["created"], report["updated"], report["unchanged"]) == (0, 0, 2)
    assert report["written"] is False
    assert stored() == before


def test_a_row_with_the_title_and_owner_of_a_module_updates_it(upload, anonymous):
    upload(TWO_ROWS)

    report = upload(HEADER + "gender and migration,iom,,gender,ar,1,Now an hour.\n").get_json()

    assert (report["created"], report["updated"]) == (0, 1)
    module = anonymous.get("/modules/gender-and-migration").get_json()
    assert (module["languages"], module["duration_minutes"]) == (["ar"], 60)
    assert module["revision"] == 2


def test_a_row_with_a_slug_updates_that_module_even_under_a_new_title(upload, anonymous):
    upload(TWO_ROWS)

    report = upload("slug,title,owner_agency\ngender-and-migration,Gender & Mobility,IOM\n")

    assert report.get_json()["updated"] == 1
    assert anonymous.get("/modules/gender-and-migration").get_json()["title"] == (
        "Gender & Mobility")


def test_an_empty_slug_cell_means_the_slug_comes_from_the_title(upload, anonymous):
    response = upload("slug,title,owner_agency\n,Gender and Migration,IOM\n")

    assert response.status_code == 200, response.get_json()
    assert anonymous.get("/modules/gender-and-migration").status_code == 200


def test_a_partner_that_is_also_the_owner_does_not_make_a_reimport_an_update(upload, stored):
    content = "title,owner_agency,partner_agencies,audience\nA module,IOM,IOM; ILO,Staff; staff\n"
    upload(content)
    before = stored()

    report = upload(content).get_json()

    assert (report["updated"], report["unchanged"]) == (0, 1)
    assert stored() == before


def test_a_bad_row_rejects_the_whole_file_naming_its_line_and_field(upload, stored):
    before = stored()

    response = upload(HEADER
                      + "Good row,IOM,,,en,1,Fine.\n"
                      + "Bad row,IOM,,,english,1,Fine.\n")

    assert problems_of(response) == [{
        "line": 3, "record": 2, "field": "languages",
        "message": "'english' is not an ISO 639 language code such as 'en'."}]
    assert "line 3" in error_of(response)["message"]
    assert stored() == before


def test_a_dry_run_of_a_bad_file_reports_its_problems_too(upload):
    response = upload(HEADER + "Bad row,IOM,,,english,1,Fine.\n", query="?dry_run=true")

    assert [p["field"] for p in problems_of(response)] == ["languages"]


def test_every_problem_of_every_row_is_reported(upload):
    response = upload(HEADER
                      + ",IOM,,,en,abc,\n"
                      + "Fine,IOM,,,en,1,\n"
                      + "Unknown owner,NOBODY,,,en,1,\n"
                      + "Unknown partner,IOM,UNITAR; NOBODY,,en,1,\n")

    found = [(p["line"], p["field"]) for p in problems_of(response)]
    assert found == [(2, "title"), (2, "duration_hours"), (4, "owner_agency"),
                     (5, "partner_agencies")]


@pytest.mark.parametrize(("cell", "field"), [
    ("A" * 100_000, "title"),
    ("Migration\x00Law", "title"),
    ("\x1b[31mRed", "title"),
])
def test_an_oversized_or_control_character_cell_is_refused_naming_the_field(upload, stored,
                                                                          cell, field):
    before = stored()

    response = upload(f"title,owner_agency\n{cell},IOM\n")

    assert [(p["line"], p["field"]) for p in problems_of(response)] == [(2, field)]
    assert stored() == before


def test_a_lone_surrogate_escaped_in_json_is_refused_naming_the_field(upload, stored):
    before = stored()

    response = upload('[{"title": "Migration \\ud800 Law", "owner_agency": "IOM"}]',
                      "application/json")

    assert [p["field"] for p in problems_of(response)] == ["title"]
    assert stored() == before


def test_a_problem_names_the_column_as_the_file_spells_it(upload):
    response = upload("title,owner,year\nA module,NOBODY,1800\n")

    assert {p["field"] for p in problems_of(response)} == {"year"}
    response = upload("title,owner\nA module,NOBODY\n")
    assert [p["field"] for p in problems_of(response)] == ["owner"]


def test_skip_invalid_writes_the_valid_rows_and_reports_the_others(upload, anonymous):
    response = upload(HEADER
                      + "Good row,IOM,,,en,1,Fine.\n"
                      + "Bad row,IOM,,,english,1,Fine.\n", query="?skip_invalid=true")

    assert response.status_code == 200
    report = response.get_json()
    assert (report["created"], report["skipped"], report["written"]) == (1, 1, True)
    assert report["errors"][0]["line"] == 3
    assert anonymous.get("/modules/good-row").status_code == 200
    assert anonymous.get("/modules/bad-row").status_code == 404


def test_two_rows_with_the_same_slug_are_both_named(upload, stored):
    before = stored()

    response = upload("slug,title,owner_agency\nsame,First,IOM\nsame,Second,IOM\n")

    [problem] = problems_of(response)
    assert (problem["line"], problem["field"]) == (3, "slug")
    assert "line 2" in problem["message"]
    assert stored() == before


def test_a_slug_taken_by_an_earlier_row_of_the_same_file_rejects_the_file(upload, stored):
    before = stored()

    response = upload("slug,title,owner_agency\n,Gender,IOM\ngender,Another module,IOM\n")

    [problem] = problems_of(response)
    assert (problem["line"], problem["field"]) == (3, "slug")
    assert "gender" in problem["message"]
    assert stored() == before


def test_a_new_theme_whose_slug_is_taken_gets_its_own_slug(upload, anonymous):
    upload("title,owner_agency,themes\nFirst,IOM,Gender\n")

    response = upload("title,owner_agency,themes\nSecond,IOM,Gender!; 🙂; 🎉\n")

    assert response.status_code == 200, response.get_json()
    themes = anonymous.get("/modules/second").get_json()["themes"]
    assert [t["name"] for t in themes] == ["Gender!", "🙂", "🎉"]
    assert len({t["slug"] for t in themes} | {"gender"}) == 4


def test_unknown_columns_are_ignored_with_a_warning_and_status_silently(upload):
    response = upload("title,owner_agency,colour,status\nA module,IOM,blue,retired\n")

    report = response.get_json()
    assert report["created"] == 1
    assert report["warnings"] == ["Ignored the unknown column(s): colour."]


def test_a_csv_header_without_title_or_owner_is_refused(upload):
    response = upload("name,agency\nA module,IOM\n")

    assert response.status_code == 422
    error = error_of(response)
    assert "title, owner_agency" in error["message"]
    assert [d["field"] for d in error["details"]] == ["title", "owner_agency"]


def test_a_csv_header_with_two_columns_for_one_field_is_refused(upload):
    response = upload("title,owner,owner_agency\nA module,IOM,IOM\n")

    assert response.status_code == 422
    assert "owner_agency" in error_of(response)["message"]


def test_an_empty_csv_file_is_refused(upload):
    response = upload("\n", "text/csv")

    assert response.status_code == 422


def test_an_unclosed_quote_names_the_line_where_the_broken_record_starts(upload, stored):
    before = stored()

    response = upload("title,owner_agency\nFirst,IOM\n\"Second,IOM\nThird,IOM\nFourth,IOM\n")

    assert response.status_code == 422
    error = error_of(response)
    assert "line 3" in error["message"]
    assert error["details"][0]["line"] == 3
    assert stored() == before


def test_a_stray_quote_inside_a_field_names_its_line(upload):
    response = upload('title,owner_agency\nFirst,IOM\n"Sec"ond,IOM\n')

    assert response.status_code == 422
    assert "line 3" in error_of(response)["message"]


def test_a_row_with_the_wrong_number_of_fields_names_its_line(upload, stored):
    before = stored()

    response = upload("title,owner_agency\nFirst,IOM\nSecond,IOM,extra\nThird\n")

    assert [(p["line"], p["message"]) for p in problems_of(response)] == [
        (3, "The row has 3 fields; the header has 2."),
        (4, "The row has 1 fields; the header has 2.")]
    assert stored() == before


def test_line_numbers_count_the_lines_inside_quoted_cells(upload):
    response = upload('title,owner_agency,learning_objectives\n'
                      'First,IOM,"One\nTwo\nThree"\n'
                      'Second,NOBODY,\n')

    assert [p["line"] for p in problems_of(response)] == [5]


def test_a_file_that_is_not_utf8_names_the_line_of_the_bad_byte(upload, stored):
    before = stored()

    response = upload("title,owner_agency\nFirst,IOM\nCaf\xe9,IOM\n".encode("latin-1"))

    assert response.status_code == 422
    error = error_of(response)
    assert "UTF-8" in error["message"]
    assert error["details"] == [{"line": 3, "message": "Not UTF-8."}]
    assert stored() == before


def test_a_utf8_byte_order_mark_is_accepted(upload):
    response = upload("\ufefftitle,owner_agency\nFirst,IOM\n".encode())

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["created"] == 1


def test_csv_with_windows_line_ends_is_accepted(upload):
    response = upload("title,owner_agency\r\nFirst,IOM\r\nSecond,IOM\r\n")

    assert response.get_json()["created"] == 2


def test_malformed_json_names_the_line_and_column(upload, stored):
    before = stored()

    response = upload('[\n  {"title": "First", "owner_agency": }\n]', "application/json")

    assert response.status_code == 422
    error = error_of(response)
    assert "line 2, column 38" in error["message"]
    assert stored() == before


def test_json_that_is_not_an_array_is_refused(upload):
    response = upload('{"title": "First", "owner_agency": "IOM"}', "application/json")

    assert response.status_code == 422
    assert "array" in error_of(response)["message"]


def test_a_json_record_that_is_not_an_object_is_named_by_its_line(upload, stored):
    before = stored()

    response = upload('[\n{"title": "First", "owner_agency": "IOM"},\n"Second"\n]',
                      "application/json")

    assert problems_of(response) == [{"line": 3, "record": 2, "field": None,
                                      "message": "Each record must be an object."}]
    assert stored() == before


def test_unknown_fields_in_a_json_record_are_refused(upload):
    response = upload('[{"title": "First", "owner_agency": "IOM", "colour": "blue"}]',
                      "application/json")

    assert [(p["field"], p["message"]) for p in problems_of(response)] == [
        ("colour", "Unknown field 'colour'.")]


def test_wrong_types_in_a_json_record_are_refused_field_by_field(upload):
    response = upload(json.dumps([{"title": 5, "owner_agency": "IOM", "languages": "en",
                                   "duration_minutes": 1.5}]), "application/json")

    assert {p["field"] for p in problems_of(response)} == {
        "title", "languages", "duration_minutes"}


def test_json_durations_may_be_given_in_hours(upload, anonymous):
    upload(json.dumps([{"title": "First", "owner_agency": "IOM", "duration_hours": 0.83},
                       {"title": "Second", "owner_agency": "IOM", "Duration_Hours": 2}]),
           "application/json")

    assert anonymous.get("/modules/first").get_json()["duration_minutes"] == 50
    assert anonymous.get("/modules/second").get_json()["duration_minutes"] == 120


def test_deeply_nested_json_is_refused_not_a_crash(upload):
    response = upload("[" * 100_000 + "]" * 100_000, "application/json")

    assert response.status_code == 422
    assert "nested" in error_of(response)["message"]


@pytest.mark.parametrize(("hours", "minutes"), [("0.83", 50), ("1,5", 90), ("7.5", 450),
                                                ("42", 2520)])
def test_hours_become_whole_minutes(upload, anonymous, hours, minutes):
    upload(f'title,owner_agency,duration_hours\nFirst,IOM,"{hours}"\n')

    assert anonymous.get("/modules/first").get_json()["duration_minutes"] == minutes


@pytest.mark.parametrize("hours", ["abc", "0", "-1", "1e999999999", "-1e999999999", "nan",
                                   "inf", "5000"])
def test_impossible_hours_are_refused_naming_the_column(upload, stored, hours):
    before = stored()

    response = upload(f"title,owner_agency,duration_hours\nFirst,IOM,{hours}\n")

    assert [p["field"] for p in problems_of(response)] == ["duration_hours"]
    assert stored() == before
