"""Searching the inventory: ``GET /api/v1/modules`` with a text query, filters and pages."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest

from curriculum.inventory import search
from curriculum.inventory.services import create_module, get_module, retire_module
from tests.helpers import error_of

MODULES: list[dict[str, Any]] = [
    {"slug": "iml", "title": "Introduction to International Migration Law", "owner_agency": "IOM",
     "partner_agencies": ["UNITAR"], "themes": ["international migration law"],
     "languages": ["en", "fr"], "level": "introductory", "audience": ["Government officials"],
     "delivery_mode": "self-paced e-learning", "kind": "course", "duration_minutes": 50,
     "summary": "Where the law comes from, in 50 minutes.",
     "learning_objectives": ["Explain the binding sources of the law."]},
    {"slug": "lma", "title": "Labour Migration Academy", "owner_agency": "ITCILO",
     "partner_agencies": ["ILO", "IOM"], "themes": ["labour migration"], "languages": ["en"],
     "level": "advanced", "audience": ["Trade unions"], "delivery_mode": "face-to-face",
     "kind": "programme", "duration_minutes": 2400, "summary": "Two weeks in Turin."},
    {"slug": "arabic", "title": "مقدمة في قانون الهجرة الدولي", "owner_agency": "IOM",
     "themes": ["international migration law"], "languages": ["ar"],
     "summary": "دورة تمهيدية عن القانون"},
    {"slug": "chinese", "title": "移民数据导论", "owner_agency": "UN-DESA", "languages": ["zh"],
     "summary": "关于移民统计的课程", "duration_minutes": 120},
    {"slug": "children", "title": "Children on the Move 🧒🌍", "owner_agency": "UNICEF",
     "kind": "module", "duration_minutes": 90,
     "learning_objectives": ["Protect 🧒 children travelling alone."]},
    {"slug": "percent", "title": "100% online: data_sharing basics", "owner_agency": "IOM",
     "summary": "A 50% discount on fees.", "duration_minutes": 30},
    {"slug": "sharing", "title": "Data sharing protocols", "owner_agency": "IOM",
     "summary": "Agreements between 150 offices."},
    {"slug": "retired", "title": "Border management, the old course", "owner_agency": "IOM",
     "themes": ["international migration law"]},
]


@pytest.fixture
def inventory(session, agencies) -> None:
    """Eight modules in several scripts, one of them retired."""
    for data in MODULES:
        create_module(session, data)
    retire_module(session, get_module(session, "retired"))
    session.commit()


def slugs(anonymous, **query: Any) -> list[str]:
    """The slugs a search finds, in order."""
    response = anonymous.get(f"/modules?{urlencode({'page_size': 100, **query})}")
    assert response.status_code == 200, response.get_json()
    return [item["slug"] for item in response.get_json()["items"]]


def test_the_list_is_an_envelope_of_items_page_page_size_total_and_pages(anonymous, inventory):
    body = anonymous.get("/modules").get_json()

    assert set(body) == {"items", "page", "page_size", "total", "total_is_exact", "pages"}
    assert (body["page"], body["page_size"], body["total"], body["pages"]) == (1, 20, 7, 1)
    assert body["total_is_exact"] is True


@pytest.fixture
def count_up_to_3(monkeypatch) -> None:
    """Searches count their matches up to 3 past the page's offset (1,000 in production)."""
    monkeypatch.setattr(search, "EXACT_TOTAL_LIMIT", 3)


@pytest.mark.parametrize("query", [{}, {"q": "a"}, {"owner": "iom"}, {"status": "all"}])
def test_past_the_counting_limit_the_total_is_a_lower_bound(
        anonymous, inventory, count_up_to_3, query):
    body = anonymous.get(f"/modules?{urlencode({'page_size': 2, **query})}").get_json()

    assert (body["total"], body["total_is_exact"], body["pages"]) == (3, False, 2)
    assert len(body["items"]) == 2


@pytest.mark.parametrize("query", [{}, {"q": "a"}, {"owner": "iom"}, {"status": "all"}])
def test_paging_on_past_the_counting_limit_reaches_every_match_in_order(
        anonymous, inventory, count_up_to_3, query):
    everything = slugs(anonymous, **query)
    seen, page, pages = [], 1, 1
    while page <= pages:
        body = anonymous.get(
            f"/modules?{urlencode({'page_size': 2, 'page': page, **query})}").get_json()
        seen += [item["slug"] for item in body["items"]]
        pages = body["pages"]
        page += 1

    assert len(everything) > 3
    assert seen == everything
    assert body["total_is_exact"] is True
    assert body["total"] == len(everything)


def test_within_the_counting_limit_the_total_is_exact(anonymous, inventory, count_up_to_3):
    body = anonymous.get("/modules?agency=iom&page_size=2").get_json()
    more = anonymous.get("/modules?agency=iom&page_size=2&page=2").get_json()

    assert (body["total"], body["total_is_exact"]) == (3, False)
    assert (more["total"], more["total_is_exact"], more["pages"]) == (5, True, 3)


def test_the_list_is_ordered_by_title_and_leaves_out_retired_modules(anonymous, inventory):
    titles = [item["title"] for item in anonymous.get("/modules").get_json()["items"]]

    assert titles == sorted(titles)
    assert "Border management, the old course" not in titles


def test_pages_split_the_results_and_count_them_all(anonymous, inventory):
    first = anonymous.get("/modules?page_size=3").get_json()
    third = anonymous.get("/modules?page_size=3&page=3").get_json()

    assert (first["total"], first["pages"], len(first["items"])) == (7, 3, 3)
    assert (third["page"], len(third["items"])) == (3, 1)


def test_a_page_beyond_the_last_is_empty_but_keeps_the_total(anonymous, inventory):
    body = anonymous.get("/modules?page=9&page_size=3").get_json()

    assert (body["items"], body["total"], body["pages"]) == ([], 7, 3)


def test_an_empty_inventory_has_one_empty_page(anonymous):
    body = anonymous.get("/modules").get_json()

    assert (body["items"], body["total"], body["pages"]) == ([], 0, 1)


@pytest.mark.parametrize(("q", "expected"), [
    ("migration law", ["iml"]),
    ("binding sources", ["iml"]),
    ("Turin", ["lma"]),
    ("academy turin", ["lma"]),
    ("migration turin", ["lma"]),
    ("law turin", []),
    ("INTERNATIONAL", ["iml"]),
    ("  migration   LAW  ", ["iml"]),
])
def test_every_word_of_the_query_must_appear_in_title_summary_or_objectives(
        anonymous, inventory, q, expected):
    assert slugs(anonymous, q=q) == expected


@pytest.mark.parametrize(("q", "expected"), [
    ("الهجرة", ["arabic"]),
    ("تمهيدية القانون", ["arabic"]),
    ("移民", ["chinese"]),
    ("统计", ["chinese"]),
    ("🧒", ["children"]),
    ("🌍", ["children"]),
    ("children 🧒", ["children"]),
])
def test_the_query_finds_text_in_any_script_and_emoji(anonymous, inventory, q, expected):
    assert slugs(anonymous, q=q) == expected


@pytest.mark.parametrize(("q", "expected"), [
    ("50%", ["percent"]),
    ("%", ["percent"]),
    ("data_sharing", ["percent"]),
    ("_", ["percent"]),
    ("%%", []),
    ("__", []),
    ("\\", []),
    ("\\%", []),
])
def test_like_wildcards_in_the_query_are_taken_literally(anonymous, inventory, q, expected):
    assert slugs(anonymous, q=q) == expected


def test_an_empty_query_matches_everything(anonymous, inventory):
    assert len(slugs(anonymous, q="   ")) == 7


def test_the_agency_filter_finds_modules_the_agency_owns_or_partners_in(anonymous, inventory):
    assert slugs(anonymous, agency="IOM") == ["percent", "sharing", "iml", "lma", "arabic"]
    assert slugs(anonymous, agency="ilo") == ["lma"]


def test_the_owner_filter_finds_only_the_modules_the_agency_owns(anonymous, inventory):
    assert slugs(anonymous, owner="iom") == ["percent", "sharing", "iml", "arabic"]
    assert slugs(anonymous, owner="ILO") == []


def test_agency_filters_accept_the_agency_slug(anonymous, inventory):
    assert slugs(anonymous, owner="un-desa") == ["chinese"]


def test_an_unknown_agency_matches_nothing(anonymous, inventory):
    assert slugs(anonymous, agency="NOBODY") == []


@pytest.mark.parametrize(("query", "expected"), [
    ({"theme": "international-migration-law"}, ["iml", "arabic"]),
    ({"theme": "labour-migration"}, ["lma"]),
    ({"theme": "no-such-theme"}, []),
    ({"language": "ar"}, ["arabic"]),
    ({"language": "EN"}, ["iml", "lma"]),
    ({"level": "advanced"}, ["lma"]),
    ({"audience": "government   OFFICIALS"}, ["iml"]),
    ({"mode": "face-to-face"}, ["lma"]),
    ({"kind": "course"}, ["iml"]),
    ({"kind": "module"}, ["children"]),
])
def test_each_filter_narrows_the_list(anonymous, inventory, query, expected):
    assert slugs(anonymous, **query) == expected


@pytest.mark.parametrize(("query", "expected"), [
    ({"min_duration": 60}, ["children", "lma", "chinese"]),
    ({"max_duration": 60}, ["percent", "iml"]),
    ({"min_duration": 50, "max_duration": 120}, ["children", "iml", "chinese"]),
    ({"min_duration": 90, "max_duration": 90}, ["children"]),
])
def test_the_duration_range_is_in_minutes_and_leaves_out_unknown_durations(
        anonymous, inventory, query, expected):
    assert slugs(anonymous, **query) == expected


def test_the_status_filter_shows_retired_modules_or_all(anonymous, inventory):
    assert slugs(anonymous, status="retired") == ["retired"]
    assert len(slugs(anonymous, status="all")) == 8


def test_filters_combine(anonymous, inventory):
    assert slugs(anonymous, q="migration", owner="IOM", language="en") == ["iml"]
    assert slugs(anonymous, status="all", theme="international-migration-law") == [
        "retired", "iml", "arabic"]


@pytest.mark.parametrize(("query", "field"), [
    ("page=0", "page"),
    ("page=-1", "page"),
    ("page=abc", "page"),
    ("page_size=0", "page_size"),
    ("page_size=1000", "page_size"),
    ("page_size=1.5", "page_size"),
    ("min_duration=-1", "min_duration"),
    ("min_duration=abc", "min_duration"),
    ("max_duration=1e9", "max_duration"),
    ("min_duration=120&max_duration=60", "min_duration"),
    ("level=expert", "level"),
    ("mode=carrier-pigeon", "mode"),
    ("kind=podcast", "kind"),
    ("status=deleted", "status"),
    ("language=xx", "language"),
    ("language=english", "language"),
    (f"q={'a' * 201}", "q"),
    ("q=law%00", "q"),
    ("q=%1b%5b31m", "q"),
    ("agency=%00", "agency"),
])
def test_a_wrong_query_parameter_answers_422_naming_it(anonymous, inventory, query, field):
    response = anonymous.get(f"/modules?{query}")

    assert response.status_code == 422, response.get_json()
    error = error_of(response)
    assert error["code"] == "validation_failed"
    assert field in error["details"], error

