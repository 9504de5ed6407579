"""Importing an inventory from CSV or JSON: check every row first, then write all or nothing.

CSV columns are the module fields (``title``, ``owner_agency``, ``themes``...); the column names
of the task force's inventory sheet (``summary_ours``, ``duration_hours``, ``source``,
``confidence``) are accepted as they are. List cells are ``;``-separated, except learning
objectives, one per line of the cell. JSON is an array of objects with the same names.

A row names an existing module by ``slug``, or else by the same title and owner agency; such a
row updates it, any other row adds a module.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import marshmallow as ma
from sqlalchemy import select
from sqlalchemy.orm import Session

from curriculum.errors import AppError, ValidationFailed
from curriculum.inventory.models import Module, audience_key
from curriculum.inventory.schemas import ModuleInputSchema
from curriculum.inventory.services import (
    References,
    create_module,
    module_values,
    update_module,
)
from curriculum.text import sanitise_html

#: Column names accepted for each field (the first is the canonical one).
COLUMNS: dict[str, tuple[str, ...]] = {
    "slug": ("slug",),
    "title": ("title",),
    "kind": ("kind",),
    "summary": ("summary", "summary_ours"),
    "learning_objectives": ("learning_objectives", "objectives"),
    "owner_agency": ("owner_agency", "owner"),
    "partner_agencies": ("partner_agencies", "partners"),
    "themes": ("themes",),
    "audience": ("audience",),
    "level": ("level",),
    "languages": ("languages",),
    "duration_minutes": ("duration_minutes", "duration_hours"),
    "delivery_mode": ("delivery_mode", "mode"),
    "year_first_offered": ("year_first_offered", "year"),
    "url": ("url",),
    "content_html": ("content_html",),
    "licence": ("licence", "license"),
    "completed_when": ("completed_when",),
    "sources": ("sources", "source"),
    "source_confidence": ("source_confidence", "confidence"),
}
COLUMN_TO_FIELD = {column: name for name, columns in COLUMNS.items() for column in columns}
LIST_FIELDS = {"partner_agencies", "themes", "audience", "languages", "sources"}
IGNORED_STATUS_FIELD = "status"
MAX_ROWS = 100_000
#: Characters a CSV field may hold: above the longest field a module has (content_html).
CSV_FIELD_LIMIT = 1_000_000
#: Beyond this a duration is nonsense; checking it first keeps huge exponents cheap to refuse.
MAX_HOURS = Decimal(1_000_000)


@dataclass(frozen=True)
class ImportProblem:
    """One problem found in the file: where (line, record, field) and what."""

    message: str
    line: int | None = None
    record: int | None = None
    field: str | None = None


@dataclass
class ImportRow:
    """One record of the file, its field values, and the column each value came from."""

    record: int
    line: int
    values: dict[str, Any]
    columns: dict[str, str]


@dataclass
class ImportReport:
    """What an import found and did."""

    format: str
    rows: int = 0
    valid: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    written: bool = False
    errors: list[ImportProblem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class ImportRejected(ValidationFailed):
    """The file has invalid rows and nothing was written; ``report`` says which."""

    def __init__(self, report: ImportReport) -> None:
        first = report.errors[0]
        where = f"line {first.line}" if first.line else f"record {first.record}"
        super().__init__(
            f"{len(report.errors)} problem(s) in the file, nothing was imported. First: {where}"
            f"{', field ' + first.field if first.field else ''}: {first.message}",
            [problem.__dict__ for problem in report.errors],
        )
        self.report = report


# Reading --------------------------------------------------------------------------------


def detect_format(filename: str | None, content_type: str | None) -> str:
    """``csv`` or ``json`` from a file name or content type."""
    name = (filename or "").lower()
    kind = (content_type or "").lower()
    if name.endswith(".json") or "json" in kind:
        return "json"
    if name.endswith(".csv") or "csv" in kind or "text/plain" in kind:
        return "csv"
    raise ValidationFailed("Say whether the file is CSV or JSON (a .csv or .json name, or the "
                           "content type text/csv or application/json).")


def decode(content: bytes) -> str:
    """UTF-8 text (a byte-order mark is dropped), or an error naming the line."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = content[: error.start].count(b"\n") + 1
        raise ValidationFailed(f"The file is not UTF-8 text: line {line} has an invalid byte.",
                               [{"line": line, "message": "Not UTF-8."}]) from error


def read_csv(text: str, warnings: list[str]) -> list[ImportRow]:
    """The records of a CSV text with their line numbers."""
    # The csv module's default limit (128 KiB a field) is below what content_html may hold,
    # so an exported inventory with long hosted content would not read back.
    if csv.field_size_limit() < CSV_FIELD_LIMIT:
        csv.field_size_limit(CSV_FIELD_LIMIT)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise ValidationFailed("The CSV file is empty: it needs a header line.") from None
    except csv.Error as error:
        raise _csv_error(1, error) from error
    header = [name.strip().lower() for name in header]
    _check_header(header, warnings)
    rows: list[ImportRow] = []
    previous_end = reader.line_num
    for record, cells in enumerate(_csv_records(reader), start=1):
        line = previous_end + 1
        previous_end = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            rows.append(ImportRow(record, line, {"__shape__": (len(cells), len(header))}, {}))
            continue
        values: dict[str, Any] = {}
        columns: dict[str, str] = {}
        for column, cell in zip(header, cells, strict=True):
            name = COLUMN_TO_FIELD.get(column)
            if name is None or (name == "slug" and not cell.strip()):
                continue  # an empty slug cell means "derive the slug", as a missing column does
            values[name] = _cell_value(name, column, cell)
            columns[name] = column
        rows.append(ImportRow(record, line, values, columns))
        if len(rows) > MAX_ROWS:
            raise ValidationFailed(f"The file has more than {MAX_ROWS} rows; split it.")
    return rows


def _csv_records(reader: Any) -> Iterator[list[str]]:
    while True:
        start = reader.line_num + 1
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise _csv_error(start, error) from error


def _csv_error(line: int, error: csv.Error) -> ValidationFailed:
    """An error naming the line the broken record starts on.

    The reader notices an unclosed quote only at the end of the file, so the line it is on then
    is the last one; where the record began is where the stray quote is.
    """
    hint = " (a quoted field that starts there is never closed)" if (
        "end of data" in str(error)) else ""
    return ValidationFailed(f"The CSV file is malformed at line {line}: {error}{hint}.",
                            [{"line": line, "message": f"{error}{hint}"}])


def _check_header(header: list[str], warnings: list[str]) -> None:
    missing = [name for name in ("title", "owner_agency")
               if not any(column in header for column in COLUMNS[name])]
    if missing:
        raise ValidationFailed(
            f"The CSV header lacks the column(s) {', '.join(missing)}.",
            [{"line": 1, "field": name, "message": "Missing column."} for name in missing],
        )
    duplicates = {COLUMN_TO_FIELD[c] for c in header if c in COLUMN_TO_FIELD
                  and sum(COLUMN_TO_FIELD.get(o) == COLUMN_TO_FIELD[c] for o in header) > 1}
    if duplicates:
        raise ValidationFailed(f"Several columns give the same field: {', '.join(duplicates)}.",
                               [{"line": 1, "message": "Duplicate column."}])
    unknown = [c for c in header if c not in COLUMN_TO_FIELD and c != IGNORED_STATUS_FIELD]
    if unknown:
        warnings.append(f"Ignored the unknown column(s): {', '.join(unknown)}.")


def _cell_value(name: str, column: str, cell: str) -> Any:
    cell = cell.strip()
    if name in LIST_FIELDS:
        return [part.strip() for part in cell.split(";") if part.strip()]
    if name == "learning_objectives":
        return [part.strip() for part in cell.splitlines() if part.strip()]
    if cell == "":
        return None
    if column == "duration_hours":
        return _hours_to_minutes(cell)
    if name in ("duration_minutes", "year_first_offered"):
        return _whole_number(cell)
    return cell


def _hours_to_minutes(cell: str) -> Any:
    try:
        hours = Decimal(cell.replace(",", "."))
    except InvalidOperation:
        return cell  # left as text: the schema names the field
    if not hours.is_finite() or hours.copy_abs() > MAX_HOURS:
        return cell  # "1e999999999" would overflow the multiplication below
    return int((hours * 60).to_integral_value())


def _whole_number(cell: str) -> Any:
    try:
        return int(cell)
    except ValueError:
        return cell


def read_json(text: str) -> list[ImportRow]:
    """The records of a JSON array of objects with the line each one starts on."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValidationFailed(
            f"The JSON file is malformed at line {error.lineno}, column {error.colno}: "
            f"{error.msg}.", [{"line": error.lineno, "message": error.msg}]) from error
    except RecursionError as error:
        raise ValidationFailed("The JSON file is nested too deeply to read.") from error
    if not isinstance(data, list):
        raise ValidationFailed("The JSON file must hold an array of module objects.")
    if len(data) > MAX_ROWS:
        raise ValidationFailed(f"The file has more than {MAX_ROWS} records; split it.")
    starts = _array_item_lines(text)
    rows = []
    for record, item in enumerate(data, start=1):
        line = starts[record - 1] if record - 1 < len(starts) else None
        if not isinstance(item, dict):
            rows.append(ImportRow(record, line or 0, {"__not_object__": True}, {}))
            continue
        values: dict[str, Any] = {}
        columns: dict[str, str] = {}
        for key, value in item.items():
            name = COLUMN_TO_FIELD.get(key.lower())
            if name is None:
                if key != IGNORED_STATUS_FIELD:
                    values.setdefault("__unknown__", []).append(key)
                continue
            if key.lower() == "duration_hours":
                value = _hours_to_minutes(str(value)) if value is not None else None
            values[name] = value
            columns[name] = key
        rows.append(ImportRow(record, line or 0, values, columns))
    return rows


def _array_item_lines(text: str) -> list[int]:
    """The line each element of the top-level JSON array starts on."""
    decoder = json.JSONDecoder()
    position = text.index("[") + 1
    lines: list[int] = []
    while True:
        while position < len(text) and text[position] in " \t\r\n,":
            position += 1
        if position >= len(text) or text[position] == "]":
            return lines
        lines.append(text.count("\n", 0, position) + 1)
        _, position = decoder.raw_decode(text, position)


# Checking and writing -------------------------------------------------------------------


def check_row(row: ImportRow, references: References) -> list[ImportProblem]:
    """Every problem of one row (schema, then references)."""
    if "__shape__" in row.values:
        found, expected = row.values["__shape__"]
        return [ImportProblem(f"The row has {found} fields; the header has {expected}.",
                              row.line, row.record)]
    if "__not_object__" in row.values:
        return [ImportProblem("Each record must be an object.", row.line, row.record)]
    problems = [ImportProblem(f"Unknown field '{name}'.", row.line, row.record, name)
                for name in row.values.pop("__unknown__", [])]
    try:
        row.values = ModuleInputSchema().load(row.values)
    except ma.ValidationError as error:
        messages = error.normalized_messages()
        assert isinstance(messages, dict)
        for name, message in messages.items():
            problems.append(ImportProblem(_first_message(message), row.line, row.record,
                                          row.columns.get(str(name), str(name))))
        return problems
    for name in ("owner_agency", "partner_agencies"):
        for reference in _as_list(row.values.get(name)):
            try:
                references.agency(reference, name)
            except ValidationFailed as error:
                problems.append(ImportProblem(error.details[name][0], row.line, row.record,
                                              row.columns.get(name, name)))
    return problems


def _first_message(message: Any) -> str:
    while isinstance(message, (list, dict)):
        message = next(iter(message.values())) if isinstance(message, dict) else message[0]
    return str(message)


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def import_modules(session: Session, rows: list[ImportRow], *, fmt: str, dry_run: bool = False,
                   skip_invalid: bool = False, warnings: list[str] | None = None,
                   progress: Callable[[int], None] | None = None) -> ImportReport:
    """Check every row, then write them all (or, with ``skip_invalid``, the valid ones).

    Raises :class:`ImportRejected` when a row is invalid and ``skip_invalid`` is off; then
    nothing has been written.
    """
    report = ImportReport(format=fmt, rows=len(rows), warnings=list(warnings or []))
    references = References(session)
    by_slug, by_title = _existing_modules(session)
    valid: list[tuple[ImportRow, Module | None]] = []
    slugs_seen: dict[str, int] = {}
    for row in rows:
        problems = check_row(row, references)
        slug = row.values.get("slug")
        if not problems and slug:
            if slug in slugs_seen:
                problems.append(ImportProblem(
                    f"The slug '{slug}' is also on line {slugs_seen[slug]}.",
                    row.line, row.record, "slug"))
            slugs_seen.setdefault(slug, row.line)
        if problems:
            report.errors.extend(problems)
            continue
        valid.append((row, _match(row.values, by_slug, by_title, references)))
    report.valid = len(valid)
    report.skipped = report.rows - report.valid
    if report.errors and not skip_invalid:
        raise ImportRejected(report)
    for done, (row, existing) in enumerate(valid, start=1):
        try:
            _write(session, row.values, existing, references, report, dry_run=dry_run)
        except AppError as error:
            # A clash only writing can show, such as a slug given on this row that an earlier
            # row's title has just taken: the caller rolls back, so nothing is imported.
            field = next(iter(error.details), None) if isinstance(error.details, dict) else None
            report.errors.append(ImportProblem(error.message, row.line, row.record, field))
            report.created = report.updated = report.unchanged = 0
            raise ImportRejected(report) from error
        if progress:
            progress(done)
    report.written = not dry_run and (report.created + report.updated) > 0
    return report


def _existing_modules(session: Session) -> tuple[dict[str, Module], dict[tuple[str, int], Module]]:
    modules = list(session.scalars(select(Module)))
    return ({m.slug: m for m in modules},
            {(m.title.casefold(), m.owner_agency_id): m for m in modules})


def _match(values: dict[str, Any], by_slug: dict[str, Module],
           by_title: dict[tuple[str, int], Module], references: References) -> Module | None:
    if values.get("slug"):
        return by_slug.get(values["slug"])
    owner = references.agency(values["owner_agency"], "owner_agency")
    return by_title.get((values["title"].casefold(), owner.id))


def _write(session: Session, values: dict[str, Any], existing: Module | None,
           references: References, report: ImportReport, *, dry_run: bool) -> None:
    if existing is None:
        report.created += 1
        if not dry_run:
            create_module(session, values, references)
        return
    current = module_values(existing)
    incoming = {**current, **{k: v for k, v in values.items() if k != "slug"}}
    if _comparable(incoming, references) == _comparable(current, references):
        report.unchanged += 1
        return
    report.updated += 1
    if not dry_run:
        update_module(session, existing, values, references)


def _comparable(values: dict[str, Any], references: References) -> dict[str, Any]:
    """Values as a module would store them (agencies as codes, lists without repeats, the owner
    not among the partners), to see whether a row changes a module."""
    result = dict(values)
    owner = references.agency(values["owner_agency"], "owner_agency").code
    partners = [references.agency(ref, "partner_agencies").code
                for ref in values.get("partner_agencies") or []]
    result["owner_agency"] = owner
    result["partner_agencies"] = [code for code in _without_repeats(partners) if code != owner]
    result["themes"] = _without_repeats(" ".join(t.split()).casefold()
                                        for t in values.get("themes") or [])
    result["languages"] = _without_repeats(code.lower() for code in values.get("languages") or [])
    result["audience"] = _without_repeats(values.get("audience") or [], key=audience_key)
    result["content_html"] = sanitise_html(values.get("content_html"))
    result.pop("status", None)
    return result


def _without_repeats(items: Iterable[str], key: Callable[[str], str] = str) -> list[str]:
    """The items in order, each key once (the first wins), as a module stores its lists."""
    first: dict[str, str] = {}
    for item in items:
        first.setdefault(key(item), item)
    return list(first.values())
