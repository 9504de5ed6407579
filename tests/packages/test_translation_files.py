"""``curriculum translations export|import``: the current translations as JSON or CSV, read back
through the API's checks, all or nothing; and the demo's translations, loaded once."""

from __future__ import annotations

import json
from pathlib import Path

from flask.testing import FlaskCliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from packages.translations.models import ModuleTranslation, PackageTranslation
from tests.helpers import ApiClient


def stored(session: Session) -> int:
    """How many translated texts are stored."""
    return sum(session.scalar(select(func.count()).select_from(model)) or 0
               for model in (PackageTranslation, ModuleTranslation))


def test_export_and_import_round_trip_in_json_and_csv(
        api: ApiClient, draft: dict, module_slugs: list[str], runner: FlaskCliRunner,
        session: Session, tmp_path: Path):
    slug = draft["slug"]
    api.put(f"/packages/{slug}/translations/fr", {"fields": {
        "title": "Fondements", "learning_objectives": ["Expliquer la gouvernance."]}})
    api.put(f"/modules/{module_slugs[1]}/translations/zh", {"fields": {"title": "性别与移民"}})
    for name in ("translations.json", "translations.csv"):
        path = tmp_path / name
        result = runner.invoke(args=["translations", "export", "-o", str(path)])
        assert result.exit_code == 0, result.output
        api.delete(f"/packages/{slug}/translations/fr")
        api.delete(f"/modules/{module_slugs[1]}/translations/zh")
        assert stored(session) == 0

        result = runner.invoke(args=["translations", "import", str(path)])
        assert result.exit_code == 0, result.output
        assert "Stored 3 translated texts." in result.output
        french = api.get(f"/packages/{slug}/translations").get_json()["languages"][0]
        assert french["fields"]["learning_objectives"]["text"] == ["Expliquer la gouvernance."]
        assert french["fields"]["title"]["status"] == "current"


def test_an_outdated_translation_is_not_exported(api: ApiClient, draft: dict,
                                                 runner: FlaskCliRunner):
    slug = draft["slug"]
    api.put(f"/packages/{slug}/translations/fr", {"fields": {"title": "Fondements",
                                                             "audience": "Fonctionnaires"}})
    api.patch(f"/packages/{slug}", {"title": "Foundations, revised"})
    result = runner.invoke(args=["translations", "export", "--format", "json"])
    assert json.loads(result.output)["packages"] == {slug: {"fr": {"audience": "Fonctionnaires"}}}


def test_a_file_with_a_problem_imports_nothing(draft: dict, runner: FlaskCliRunner,
                                               session: Session, tmp_path: Path):
    path = tmp_path / "translations.csv"
    path.write_text("kind,slug,lang,field,text\n"
                    f"package,{draft['slug']},fr,title,Fondements\n"
                    f"package,{draft['slug']},de,title,Grundlagen\n"
                    f"package,{draft['slug']},es,subtitle,Subtítulo\n"
                    "module,no-such-module,fr,title,Rien\n", encoding="utf-8")
    result = runner.invoke(args=["translations", "import", str(path)])
    assert result.exit_code == 1
    assert "Nothing was imported" in result.output
    assert f"packages.{draft['slug']}.de.lang: Texts cannot be translated" in result.output
    assert f"packages.{draft['slug']}.es.fields.subtitle: " in result.output
    assert "modules.no-such-module.fr: No module has the slug" in result.output
    assert stored(session) == 0


def test_the_demo_loads_its_translations_once_and_keeps_an_editors_changes(
        api: ApiClient, runner: FlaskCliRunner, session: Session):
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    count = stored(session)
    assert count > 0
    package = "children-protection-and-displacement"
    listing = api.get(f"/packages/{package}/translations").get_json()
    languages = {entry["lang"]: entry for entry in listing["languages"]}
    assert languages["fr"]["missing"] == [] and languages["es"]["missing"] == []
    api.put(f"/packages/{package}/translations/fr", {"fields": {"title": "Enfants déplacés"}})

    again = runner.invoke(args=["demo", "load"])
    assert again.exit_code == 0 and "0 translated texts added" in again.output
    french = api.get(f"/packages/{package}/translations").get_json()["languages"][0]
    assert french["fields"] == {"title": {**french["fields"]["title"],
                                          "text": "Enfants déplacés"}}
