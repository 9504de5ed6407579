"""Fixtures for the package tests: a small inventory from three agencies."""

from __future__ import annotations

import pytest

from tests.helpers import ApiClient, module_data

MODULES = [
    ("International Migration Law", "IOM", 50),
    ("Gender and Migration", "IOM", 45),
    ("Fair Recruitment Processes", "ILO", 120),
    ("Introduction to International Protection", "UNHCR", None),
]


@pytest.fixture
def module_slugs(api: ApiClient) -> list[str]:
    """Four modules of IOM, ILO and UNHCR (one without a known duration)."""
    slugs = []
    for title, agency, minutes in MODULES:
        response = api.post("/modules", module_data(title, owner_agency=agency,
                                                    duration_minutes=minutes))
        assert response.status_code == 201, response.get_json()
        slugs.append(response.get_json()["slug"])
    return slugs


@pytest.fixture
def draft(api: ApiClient, module_slugs: list[str]) -> dict:
    """A draft package with two sections: three required modules and one optional."""
    response = api.post("/packages", {
        "title": "Foundations of Migration Governance",
        "description": "The entry level of the standing curriculum.",
        "audience": "Government officials",
        "prerequisites": ["None"],
        "learning_objectives": ["Explain migration governance."],
        "agencies": ["IOM", "UNITAR"],
        "completion_rule": {"kind": "all_required"},
        "sections": [
            {"title": "Law and gender", "items": [
                {"module": module_slugs[0]}, {"module": module_slugs[1]}]},
            {"title": "Labour and protection", "items": [
                {"module": module_slugs[2]},
                {"module": module_slugs[3], "required": False, "note": "For protection staff."}]},
        ],
    })
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@pytest.fixture
def published(publisher_api: ApiClient, draft: dict) -> dict:
    """The draft, published as version 1."""
    response = publisher_api.post(f"/packages/{draft['slug']}/publish",
                                  {"change_note": "First publication."})
    assert response.status_code == 201, response.get_json()
    return response.get_json()
