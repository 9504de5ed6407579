"""``modules.filter_keys``: the link tables' facts as keys that PostgreSQL's search filters on.

The keys must say exactly what the owner and the link tables say, after any edit, and a search
that filters on them must find exactly what the same search through the link tables finds.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from curriculum.inventory import search
from curriculum.inventory.models import (
    Module,
    ModuleAudience,
    ModuleLanguage,
    ModulePartner,
    ModuleTheme,
)
from curriculum.inventory.search import ModuleQuery, filtered_modules, find_module_ids
from curriculum.inventory.services import create_module, get_module, retire_module, update_module
from tests.helpers import QueryCounter, module_data

AUDIENCES = ["Government officials", "Straße workers", "Фахівці з міграції", "قضاة",
             "移民官员", "Children 🧒", "ÉDUCATEURS"]
THEMES = ["labour migration", "protection", "Протидія торгівлі людьми", "الهجرة", "gender"]
LANGUAGES = ["en", "fr", "ar", "zh", "ru", "es"]
AGENCIES = ["IOM", "ILO", "UNHCR", "UNITAR", "UNICEF", "UN-DESA"]
WORDS = ["migration", "law", "recruitment", "الهجرة", "移民", "🧒", "données"]


def keys_in_link_tables(session: Session, module: Module) -> set[str]:
    """The keys read from the link tables themselves (not from the objects in memory)."""
    partners = session.scalars(select(ModulePartner.agency_id)
                               .where(ModulePartner.module_id == module.id))
    agencies = {module.owner_agency_id, *partners}
    themes = session.scalars(select(ModuleTheme.theme_id).where(ModuleTheme.module_id == module.id))
    codes = session.scalars(select(ModuleLanguage.code)
                            .where(ModuleLanguage.module_id == module.id))
    audience = session.scalars(select(ModuleAudience.key)
                               .where(ModuleAudience.module_id == module.id))
    return ({f"agency:{agency_id}" for agency_id in agencies}
            | {f"theme:{theme_id}" for theme_id in themes}
            | {f"language:{code}" for code in codes}
            | {f"audience:{key}" for key in audience})


def stored_keys(session: Session, module: Module) -> list[str]:
    """The keys as stored (read back from the database)."""
    session.flush()
    session.expire(module, ["filter_keys"])
    return list(module.filter_keys)


def test_the_keys_name_the_owner_partners_themes_languages_and_audience(session, agencies):
    module = create_module(session, module_data(
        partner_agencies=["ILO", "UNHCR"], themes=THEMES[:3], languages=["FR", "en"],
        audience=AUDIENCES[:4]))

    keys = stored_keys(session, module)

    assert len(keys) == len(set(keys)) == 2 + 1 + 3 + 2 + 4
    assert set(keys) == keys_in_link_tables(session, module)
    assert "audience:strasse workers" in keys and "language:fr" in keys


@pytest.mark.parametrize("change", [
    {"owner_agency": "UNHCR"},
    {"owner_agency": "ILO"},
    {"partner_agencies": []},
    {"partner_agencies": ["UNICEF", "IOM", "UNICEF"]},
    {"themes": ["gender", "الهجرة"]},
    {"themes": []},
    {"languages": ["ar"]},
    {"audience": ["Фахівці з міграції", "ФАХІВЦІ з міграції", "移民官员"]},
    {"audience": []},
    {"title": "Only the title changes"},
])
def test_every_edit_keeps_the_keys_in_step_with_the_link_tables(session, agencies, change):
    module = create_module(session, module_data(
        partner_agencies=["ILO"], themes=["protection"], audience=["Judges"]))
    session.commit()
    revision = module.revision

    update_module(session, get_module(session, module.slug), change)

    assert set(stored_keys(session, module)) == keys_in_link_tables(session, module)
    assert module.revision == revision + 1


@pytest.fixture
def varied(session, agencies) -> None:
    """Sixty modules of random owners, partners, themes, languages and audiences (any script)."""
    rng = random.Random(20261128)
    for number in range(60):
        data = module_data(
            f"{rng.choice(WORDS)} {number} {rng.choice(WORDS)}",
            owner_agency=rng.choice(AGENCIES),
            partner_agencies=rng.sample(AGENCIES, rng.randint(0, 2)),
            themes=rng.sample(THEMES, rng.randint(0, 2)),
            languages=rng.sample(LANGUAGES, rng.randint(0, 3)),
            audience=rng.sample(AUDIENCES, rng.randint(0, 3)),
            summary=" ".join(rng.sample(WORDS, 3)))
        module = create_module(session, data)
        if number % 7 == 0:
            retire_module(session, module)
    session.commit()


QUERIES: list[dict[str, Any]] = [
    {"agency": "iom"}, {"agency": "UNHCR"}, {"agency": "un-desa"}, {"agency": "nobody"},
    {"theme": "protection"}, {"theme": "no-such-theme"},
    {"language": "AR"}, {"language": "zh"},
    {"audience": "STRASSE   workers"}, {"audience": "фахівці з міграції"}, {"audience": "قضاة"},
    {"audience": "children 🧒"}, {"audience": "éducateurs"},
    {"q": "migration", "agency": "ilo", "language": "en"},
    {"q": "الهجرة", "theme": "gender", "audience": "移民官员"},
    {"q": "移民", "owner": "iom", "language": "fr"},
    {"q": "🧒 law", "agency": "unitar", "theme": "labour-migration", "status": "all"},
    {"agency": "iom", "theme": "protection", "language": "en", "audience": "government officials",
     "status": "retired"},
]


@pytest.mark.parametrize("params", QUERIES)
def test_a_search_finds_what_the_same_search_through_the_link_tables_finds(
        session, varied, params):
    query = ModuleQuery(**params)
    through_links = list(session.scalars(
        filtered_modules(session, query).with_only_columns(Module.id)
        .order_by(Module.title, Module.id)))

    found = find_module_ids(session, query, page=1, page_size=100)

    assert found.items == through_links
    assert found.total == len(through_links)
    if params not in ({"agency": "nobody"}, {"theme": "no-such-theme"}):
        assert through_links or params.get("status"), "a query that tests nothing"


def test_a_search_issues_the_same_statements_whatever_the_number_of_modules(
        session, connection, agencies, monkeypatch):
    """Past the counting limit, whether there are 8 matches or 24."""
    monkeypatch.setattr(search, "EXACT_TOTAL_LIMIT", 3)
    query = ModuleQuery(q="migration", agency="IOM", theme="protection", language="en")
    counts = []
    for batch in range(3):
        for number in range(4 * batch + 4):
            create_module(session, module_data(
                f"Migration {batch}-{number}", partner_agencies=["ILO"],
                themes=["protection"]))
        session.commit()
        with QueryCounter(connection) as counter:
            find_module_ids(session, query, page=1, page_size=2)
        counts.append(counter.count)

    assert counts[0] == counts[1] == counts[2]
