"""The bundled reference list of GMG member agencies and partner organisations."""

from __future__ import annotations

import csv
import io
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from curriculum.inventory.models import Agency
from curriculum.inventory.services import create_agency, update_agency


def reference_agencies() -> list[dict[str, Any]]:
    """The agencies of ``curriculum/inventory/data/agencies.csv``."""
    text = resources.files("curriculum.inventory").joinpath("data/agencies.csv").read_text("utf-8")
    return [
        {"code": row["code"], "name": row["name"], "url": row["url"] or None,
         "is_gmg_member": row["is_gmg_member"] == "true"}
        for row in csv.DictReader(io.StringIO(text))
    ]


def load_agencies(session: Session, agencies: list[dict[str, Any]]) -> tuple[int, int]:
    """Add the agencies that are missing and refresh the others; returns (added, updated)."""
    existing = {a.code.casefold(): a for a in session.scalars(select(Agency))}
    added = updated = 0
    for data in agencies:
        agency = existing.get(data["code"].casefold())
        if agency is None:
            create_agency(session, data)
            added += 1
        elif (agency.name, agency.url, agency.is_gmg_member) != (
                data["name"], data["url"], data["is_gmg_member"]):
            update_agency(session, agency, data)
            updated += 1
    return added, updated
