"""The public catalogue pages, as HTML (the browser tests look at them for real)."""

import pytest

from curriculum.inventory import search


@pytest.fixture
def demo(runner):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def test_the_front_page_redirects_to_the_catalogue(client):
    assert client.get("/").headers["Location"].endswith("/catalogue")


def test_the_catalogue_shows_the_tracks_and_their_packages(client, demo):
    html = page(client, "/catalogue")
    for text in ("Foundations", "Labour migration and development",
                 "Rights, protection and gender",
                 "Core Curriculum: Foundations of Migration Governance"):
        assert text in html


def test_a_package_page_shows_modules_objectives_agencies_and_duration(client, demo):
    html = page(client, "/catalogue/packages/foundations-of-migration-governance")
    assert "EMM2.0 e-course: International Migration Law" in html
    assert "International Organization for Migration" in html
    assert "Explain the main components of migration management" in html
    assert "3 h 20 min in all" in html  # 50 + 45 + 60 + 45 minutes: the known durations
    assert "Version 2" in html


def test_an_earlier_version_of_a_package_can_be_read(client, demo):
    html = page(client, "/catalogue/packages/foundations-of-migration-governance?version=1")
    assert "an earlier version" in html
    assert "Certificate in Migration Governance" not in html


def test_a_draft_has_no_public_page(client, api, module_slugs_for_page):
    assert client.get("/catalogue/packages/hidden-draft").status_code == 404


@pytest.fixture
def module_slugs_for_page(api):
    from tests.helpers import module_data, package_data

    slug = api.post("/modules", module_data()).get_json()["slug"]
    api.post("/packages", package_data([slug], title="Hidden draft"))


def test_the_inventory_can_be_searched_and_filtered(client, demo):
    html = page(client, "/catalogue/modules?q=fair+recruitment&agency=itcilo")
    assert "Establishing Fair Recruitment Processes" in html
    assert "Essentials of Migration Management" not in html


def test_a_module_page_links_out_to_the_agency_platform_and_names_its_packages(client, demo):
    html = page(client, "/catalogue/modules/emm2-0-e-course-international-migration-law")
    assert 'href="https://emm.iom.int/index.php/online-courses/international-migration-law"' in html
    assert "Core Curriculum: Foundations of Migration Governance" in html
    assert "unknown" in html  # its languages are not stated by any source


def test_bad_search_filters_get_a_clear_page(client, demo):
    response = client.get("/catalogue/modules?page=0", headers={"Accept": "text/html"})
    assert response.status_code == 400
    assert "not valid" in response.get_data(as_text=True)


def test_the_inventory_page_says_when_it_stopped_counting(client, demo, monkeypatch):
    monkeypatch.setattr(search, "EXACT_TOTAL_LIMIT", 5)

    html = page(client, "/catalogue/modules?q=migration")

    assert "More than 5 modules found." in html
    assert "Next</a>" in html
