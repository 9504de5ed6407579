"""``curriculum modules import FILE``: the demo inventory, bad files, dry runs and skipped rows."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from curriculum.inventory.models import Module
from curriculum.inventory.services import get_module

GOOD_AND_BAD = ("title,owner_agency,languages,year_first_offered\n"
                "Good row,IOM,en,2019\n"
                "Bad language,IOM,english,2019\n"
                "Bad year,IOM,en,1800\n")


def import_file(runner, path, *options: str):
    """Run ``modules import`` on ``path``."""
    return runner.invoke(args=["modules", "import", str(path), *options])


def module_count(session) -> int:
    """How many modules are stored."""
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Module)) or 0


def test_the_demo_inventory_imports_as_it_is(runner, session, agencies, demo_inventory_csv):
    result = import_file(runner, demo_inventory_csv)

    assert result.exit_code == 0, result.output
    assert "59 rows: 59 created, 0 updated, 0 unchanged, 0 skipped." in result.stdout
    assert result.stderr.count("warning") == 0
    assert module_count(session) == 59


def test_the_demo_inventory_keeps_empty_fields_empty(runner, session, agencies,
                                                     demo_inventory_csv):
    import_file(runner, demo_inventory_csv)

    emm = get_module(session, "essentials-of-migration-management-2-0-emm2-0")
    assert emm.duration_minutes is None
    assert emm.partner_agencies == []
    assert (emm.year_first_offered, emm.delivery_mode) == (2019, "blended")
    assert emm.languages == ["en", "es"]
    course = get_module(session, "emm2-0-e-course-international-migration-law")
    assert (course.year_first_offered, course.languages) == (None, [])
    assert (course.kind, course.licence, course.content_html) == (None, None, None)
    assert course.learning_objectives == []


def test_the_demo_inventory_turns_hours_into_minutes(runner, session, agencies,
                                                     demo_inventory_csv):
    import_file(runner, demo_inventory_csv)

    durations = {m.title: m.duration_minutes for m in session.scalars(select(Module))}
    assert durations["EMM2.0 e-course: International Migration Law"] == 50
    assert durations["EMM2.0 e-course: Gender and Migration"] == 45
    assert durations["WHO Global School on Refugee and Migrant Health"] == 450
    assert sum(minutes is not None for minutes in durations.values()) == 7


def test_the_demo_inventory_keeps_its_partners_sources_and_confidence(
        runner, session, agencies, demo_inventory_csv):
    import_file(runner, demo_inventory_csv)

    school = get_module(session, "online-african-school-on-migration-statistics")
    assert [a.code for a in school.partner_agencies] == ["AU-STATAFRIC", "SCB"]
    assert school.source_confidence in {"high", "medium", "low"}
    assert school.sources and all(s.startswith("http") for s in school.sources)
    assert school.summary


def test_importing_the_demo_inventory_twice_creates_nothing_the_second_time(
        runner, session, agencies, demo_inventory_csv):
    import_file(runner, demo_inventory_csv)
    session.expire_all()
    revisions = {m.slug: m.revision for m in session.scalars(select(Module))}

    result = import_file(runner, demo_inventory_csv)

    assert result.exit_code == 0, result.output
    assert "59 rows: 0 created, 0 updated, 59 unchanged, 0 skipped." in result.stdout
    session.expire_all()
    assert {m.slug: m.revision for m in session.scalars(select(Module))} == revisions


def test_the_imported_demo_inventory_is_searchable(runner, anonymous, agencies,
                                                   demo_inventory_csv):
    import_file(runner, demo_inventory_csv)

    body = anonymous.get("/modules?q=trafficking&page_size=100").get_json()

    assert body["total"] >= 3
    assert all("trafficking" in (item["title"] + (item["summary"] or "")).lower()
               for item in body["items"])


def test_a_bad_row_is_reported_with_its_line_and_field_and_nothing_is_written(
        runner, session, agencies, write_file, stored):
    before = stored()

    result = import_file(runner, write_file("inventory.csv", GOOD_AND_BAD))

    assert result.exit_code == 1
    assert "line 3, languages: 'english' is not an ISO 639 language code" in result.stderr
    assert "line 4, year_first_offered: Must be a year from 1945" in result.stderr
    assert "Nothing was imported" in result.stderr
    assert stored() == before


def test_a_clash_found_only_while_writing_is_reported_and_nothing_is_written(
        runner, agencies, write_file, stored):
    before = stored()

    result = import_file(runner, write_file(
        "inventory.csv", "slug,title,owner_agency\n,Gender,IOM\ngender,Another module,IOM\n"))

    assert result.exit_code == 1
    assert "line 3, slug: Another module already has the slug 'gender'." in result.stderr
    assert "Nothing was imported" in result.stderr
    assert stored() == before


def test_skip_invalid_writes_the_valid_rows(runner, session, agencies, write_file):
    result = import_file(runner, write_file("inventory.csv", GOOD_AND_BAD), "--skip-invalid")

    assert result.exit_code == 0, result.output
    assert "line 3, languages" in result.stderr
    assert "3 rows: 1 created, 0 updated, 0 unchanged, 2 skipped." in result.stdout
    assert [m.slug for m in session.scalars(select(Module))] == ["good-row"]


def test_a_dry_run_says_what_would_happen_and_writes_nothing(runner, agencies, write_file,
                                                             stored):
    before = stored()

    result = import_file(runner, write_file("inventory.csv", "title,owner_agency\nA,IOM\n"),
                         "--dry-run")

    assert result.exit_code == 0, result.output
    assert "1 rows: 1 would be created" in result.stdout
    assert stored() == before


def test_a_json_file_imports_like_csv(runner, session, agencies, write_file):
    records = [{"title": "Gender and Migration", "owner_agency": "IOM", "languages": ["en"]}]

    result = import_file(runner, write_file("inventory.json", json.dumps(records)))

    assert result.exit_code == 0, result.output
    assert get_module(session, "gender-and-migration").languages == ["en"]


@pytest.mark.parametrize(("name", "content", "message"), [
    ("broken.json", '[\n  {"title": "A",\n   "owner_agency": "IOM",}\n]',
     "line 3, column 26"),
    ("object.json", '{"title": "A"}', "array of module objects"),
    ("quote.csv", 'title,owner_agency\nA,IOM\n"B,IOM\nC,IOM\n', "line 3"),
    ("header.csv", "name,agency\nA,IOM\n", "lacks the column(s) title, owner_agency"),
    ("empty.csv", "", "empty"),
    ("latin1.csv", "title,owner_agency\nCaf\xe9,IOM\n".encode("latin-1"), "not UTF-8"),
    ("notes.txt", "title,owner_agency\nA,IOM\n", "CSV or JSON"),
])
def test_an_unreadable_file_is_refused_with_a_message_saying_where(
        runner, agencies, write_file, stored, name, content, message):
    before = stored()

    result = import_file(runner, write_file(name, content))

    assert result.exit_code == 1
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert stored() == before


def test_the_format_option_reads_a_file_whatever_its_name(runner, session, agencies,
                                                          write_file):
    result = import_file(runner, write_file("notes.txt", "title,owner_agency\nA,IOM\n"),
                         "--format", "csv")

    assert result.exit_code == 0, result.output
    assert module_count(session) == 1


def test_a_missing_file_is_a_usage_error(runner, tmp_path):
    result = import_file(runner, tmp_path / "nowhere.csv")

    assert result.exit_code == 2
    assert "does not exist" in result.stderr
