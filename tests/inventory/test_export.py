"""``curriculum modules export``: CSV or JSON that ``modules import`` reads back unchanged."""

from __future__ import annotations

import csv
import io
import json

import pytest

from curriculum.inventory.services import create_module, get_module, retire_module
from exports.inventory import CSV_COLUMNS, modules_to_csv, modules_to_json

RICH_MODULE = {
    "title": "Introduction to International Migration Law",
    "owner_agency": "IOM", "partner_agencies": ["UNITAR", "ILO"], "kind": "course",
    "summary": 'Where the law comes from.\n\nBinding, "soft", and regional, all in one.',
    "learning_objectives": ["Explain the sources of the law.", "Compare regional mechanisms."],
    "themes": ["international migration law", "human rights"],
    "audience": ["Government officials", "Civil society"], "level": "intermediate",
    "languages": ["en", "fr", "ar"], "duration_minutes": 50,
    "delivery_mode": "self-paced e-learning", "year_first_offered": 2019,
    "url": "https://example.org/iml?lang=en&x=1", "licence": "CC BY 4.0",
    "content_html": '<h2>Part one</h2><p>See <a href="https://example.org">the <strong>'
                    'handbook</strong></a>.</p><ul><li>One</li></ul>',
    "sources": ["https://example.org/a", "https://example.org/b"], "source_confidence": "high",
}
UNICODE_MODULES = [
    {"title": "مقدمة في قانون الهجرة الدولي", "owner_agency": "IOM", "summary": "دورة تمهيدية"},
    {"title": "移民数据导论", "owner_agency": "UN-DESA", "themes": ["移民统计"]},
    {"title": "Children on the Move 🧒🌍", "owner_agency": "UNICEF",
     "audience": ["Social workers 👩‍⚕️"]},
    {"title": "A module we know little about", "owner_agency": "WHO"},
]


@pytest.fixture
def inventory(session, agencies) -> None:
    """A module with every field, modules in other scripts, a bare one, and a retired one."""
    for data in [RICH_MODULE, *UNICODE_MODULES,
                 {"title": "Retired course", "owner_agency": "IOM"}]:
        create_module(session, data)
    retire_module(session, get_module(session, "retired-course"))
    session.commit()


def export(runner, *options: str):
    """Run ``modules export``."""
    result = runner.invoke(args=["modules", "export", *options])
    assert result.exit_code == 0, result.output
    return result


def test_the_csv_export_has_a_header_and_one_row_per_active_module(runner, inventory):
    rows = list(csv.DictReader(io.StringIO(export(runner).stdout)))

    assert list(rows[0]) == CSV_COLUMNS
    assert len(rows) == 5
    assert "Retired course" not in {row["title"] for row in rows}


def test_the_csv_export_writes_lists_as_the_import_reads_them(runner, inventory):
    rows = list(csv.DictReader(io.StringIO(export(runner).stdout)))
    row = next(row for row in rows if row["slug"] == "introduction-to-international-migration-law")

    assert row["partner_agencies"] == "UNITAR; ILO"
    assert row["languages"] == "en; fr; ar"
    assert row["learning_objectives"] == ("Explain the sources of the law.\n"
                                          "Compare regional mechanisms.")
    assert row["duration_minutes"] == "50"
    assert row["status"] == "active"


def test_unknown_facts_export_as_empty_cells(runner, inventory):
    rows = list(csv.DictReader(io.StringIO(export(runner).stdout)))
    row = next(row for row in rows if row["title"] == "A module we know little about")

    assert row["duration_minutes"] == row["summary"] == row["languages"] == ""


def test_retired_modules_are_exported_on_request(runner, inventory):
    rows = list(csv.DictReader(io.StringIO(export(runner, "--include-retired").stdout)))

    assert {row["slug"]: row["status"] for row in rows}["retired-course"] == "retired"


def test_the_export_goes_to_a_file_in_the_format_of_its_extension(runner, inventory, tmp_path):
    path = tmp_path / "inventory.json"

    result = export(runner, "-o", str(path))

    assert f"Exported 5 modules to {path}." in result.stderr
    records = json.loads(path.read_text("utf-8"))
    assert len(records) == 5
    assert {r["title"] for r in records} >= {"移民数据导论", "Children on the Move 🧒🌍"}


def test_the_format_option_wins_over_the_extension(runner, inventory, tmp_path):
    path = tmp_path / "inventory.txt"

    export(runner, "-o", str(path), "--format", "json")

    assert isinstance(json.loads(path.read_text("utf-8")), list)


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_exporting_then_importing_leaves_everything_unchanged(runner, inventory, tmp_path,
                                                              stored, fmt):
    path = tmp_path / f"inventory.{fmt}"
    export(runner, "-o", str(path), "--include-retired")
    before = stored()

    result = runner.invoke(args=["modules", "import", str(path)])

    assert result.exit_code == 0, result.output
    assert "6 rows: 0 created, 0 updated, 6 unchanged, 0 skipped." in result.stdout
    assert stored() == before


def test_long_hosted_content_survives_a_csv_export_and_import(runner, session, agencies,
                                                              tmp_path, stored):
    create_module(session, {"title": "Hosted", "owner_agency": "IOM",
                            "content_html": "<p>" + "x" * 400_000 + "</p>"})
    session.commit()
    path = tmp_path / "inventory.csv"
    export(runner, "-o", str(path))
    before = stored()

    result = runner.invoke(args=["modules", "import", str(path)])

    assert "1 rows: 0 created, 0 updated, 1 unchanged, 0 skipped." in result.stdout
    assert stored() == before


def test_the_demo_inventory_survives_an_export_and_import(runner, agencies, tmp_path, stored,
                                                          demo_inventory_csv):
    runner.invoke(args=["modules", "import", str(demo_inventory_csv)])
    path = tmp_path / "inventory.csv"
    export(runner, "-o", str(path))
    before = stored()

    result = runner.invoke(args=["modules", "import", str(path)])

    assert "59 rows: 0 created, 0 updated, 59 unchanged, 0 skipped." in result.stdout
    assert stored() == before


def test_an_edited_export_updates_only_the_edited_module(runner, inventory, tmp_path, session):
    path = tmp_path / "inventory.json"
    export(runner, "-o", str(path))
    records = json.loads(path.read_text("utf-8"))
    records[0]["level"] = "advanced"
    path.write_text(json.dumps(records), encoding="utf-8")

    result = runner.invoke(args=["modules", "import", str(path)])

    assert "5 rows: 0 created, 1 updated, 4 unchanged, 0 skipped." in result.stdout
    session.expire_all()
    assert get_module(session, records[0]["slug"]).level == "advanced"


def test_an_empty_inventory_exports_as_a_header_or_an_empty_array(runner):
    assert export(runner).stdout == ",".join(CSV_COLUMNS) + "\n"
    assert json.loads(export(runner, "--format", "json").stdout) == []


def test_the_json_export_keeps_unicode_readable(session, inventory):
    text = modules_to_json([get_module(session, "yi-min-shu-ju-dao-lun")])

    assert "移民数据导论" in text


def test_the_csv_export_of_no_modules_is_just_the_header():
    assert modules_to_csv([]) == ",".join(CSV_COLUMNS) + "\n"
