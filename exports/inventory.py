"""Exporting the module inventory as CSV or JSON that ``modules import`` reads back unchanged."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from curriculum.inventory.importing import COLUMNS
from curriculum.inventory.models import Module
from curriculum.inventory.services import module_values

CSV_COLUMNS = [*COLUMNS, "status"]


def _csv_cell(name: str, value: Any) -> str:
    if value is None:
        return ""
    if name == "learning_objectives":
        return "\n".join(value)
    if isinstance(value, list):
        return "; ".join(value)
    return str(value)


def modules_to_csv(modules: Iterable[Module]) -> str:
    """The modules as CSV with one column per field (lists ``;``-separated)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for module in modules:
        values = module_values(module)
        writer.writerow([_csv_cell(name, values.get(name)) for name in CSV_COLUMNS])
    return buffer.getvalue()


def modules_to_json(modules: Iterable[Module]) -> str:
    """The modules as a JSON array of objects."""
    return json.dumps([module_values(m) for m in modules], ensure_ascii=False, indent=2) + "\n"
