"""Reads issue a fixed number of SQL statements, whatever the number of modules."""

import pytest

from curriculum.inventory import search
from tests.helpers import QueryCounter, module_data, package_data


def _package_of(api, publisher_api, size: int, title: str) -> str:
    slugs = []
    for index in range(size):
        response = api.post("/modules", module_data(
            f"{title} module {index}", partner_agencies=["ILO", "UNHCR"],
            themes=["labour migration", f"theme {index}"], languages=["en", "fr"],
            audience=["government officials"]))
        slugs.append(response.get_json()["slug"])
    slug = api.post("/packages", package_data(slugs, title=title)).get_json()["slug"]
    assert publisher_api.post(f"/packages/{slug}/publish",
                              {"change_note": "First."}).status_code == 201
    return slug


@pytest.mark.parametrize("reader", ["api", "anonymous"])
def test_a_package_detail_read_costs_the_same_for_3_or_30_modules(
        request, connection, api, publisher_api, reader):
    small = _package_of(api, publisher_api, 3, "Small")
    large = _package_of(api, publisher_api, 30, "Large")
    client = request.getfixturevalue(reader)
    counts = []
    for slug in (small, large):
        with QueryCounter(connection) as counter:
            assert client.get(f"/packages/{slug}").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts
    assert counts[1] <= 15


def test_a_module_search_page_costs_the_same_for_3_or_30_results(connection, api, anonymous):
    for index in range(30):
        api.post("/modules", module_data(f"Protection course {index}",
                                         partner_agencies=["UNHCR"], themes=["protection"]))
    counts = []
    for page_size in (3, 30):
        with QueryCounter(connection) as counter:
            body = anonymous.get(f"/modules?q=protection&page_size={page_size}").get_json()
        assert len(body["items"]) == page_size
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


@pytest.mark.parametrize("limit", [1000, 5])
def test_a_module_search_costs_the_same_for_3_or_30_matches(
        monkeypatch, connection, api, anonymous, limit):
    """Also when the matches are more than a search counts (the total is then a lower bound)."""
    monkeypatch.setattr(search, "EXACT_TOTAL_LIMIT", limit)
    for index in range(30):
        api.post("/modules", module_data(f"Protection course {index}",
                                         partner_agencies=["UNHCR"], themes=["protection"]))
    for index in range(3):
        api.post("/modules", module_data(f"Statelessness course {index}",
                                         partner_agencies=["UNHCR"], themes=["protection"]))
    counts = []
    for q in ("statelessness", "course"):
        with QueryCounter(connection) as counter:
            body = anonymous.get(f"/modules?q={q}&agency=unhcr&page_size=3").get_json()
        assert len(body["items"]) == 3
        counts.append(counter.count)
    assert body["total_is_exact"] is (limit > 33)
    assert counts[1] - counts[0] == (0 if limit > 33 else 1), counts
    assert counts[1] <= 8
