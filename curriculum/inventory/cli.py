"""``curriculum modules import`` and ``curriculum agencies seed``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from curriculum.db import get_database
from curriculum.errors import ValidationFailed
from curriculum.inventory import importing
from curriculum.inventory.importing import ImportRejected, ImportReport
from curriculum.inventory.reference import load_agencies, reference_agencies


def print_report(report: ImportReport) -> None:
    """Say what an import found and did."""
    for warning in report.warnings:
        click.secho(f"warning: {warning}", fg="yellow", err=True)
    for problem in report.errors:
        where = f"line {problem.line}" if problem.line else f"record {problem.record}"
        field = f", {problem.field}" if problem.field else ""
        click.secho(f"{where}{field}: {problem.message}", fg="red", err=True)
    verb = "would be" if not report.written and not report.errors and (
        report.created or report.updated) else ""
    click.echo(f"{report.rows} rows: {report.created} {verb} created, {report.updated} "
               f"{verb} updated, {report.unchanged} unchanged, {report.skipped} skipped."
               .replace("  ", " "))


@click.group("modules", cls=AppGroup)
def modules_group() -> None:
    """The module inventory."""


@modules_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]),
              help="Defaults to the file's extension.")
@click.option("--dry-run", is_flag=True, help="Check every row and write nothing.")
@click.option("--skip-invalid", is_flag=True, help="Write the valid rows even if some are not.")
def import_command(file: Path, fmt: str | None, dry_run: bool, skip_invalid: bool) -> None:
    """Import modules from a CSV or JSON FILE: every row is checked before anything is written."""
    try:
        fmt = fmt or importing.detect_format(file.name, None)
        text = importing.decode(file.read_bytes())
        warnings: list[str] = []
        rows = importing.read_csv(text, warnings) if fmt == "csv" else importing.read_json(text)
    except ValidationFailed as error:
        raise click.ClickException(error.message) from error
    try:
        with get_database().transaction() as session, click.progressbar(
                length=len(rows), label="Importing", file=sys.stderr
        ) as bar:
            report = importing.import_modules(
                session, rows, fmt=fmt, dry_run=dry_run, skip_invalid=skip_invalid,
                warnings=warnings, progress=lambda _done: bar.update(1))
    except ImportRejected as rejected:
        print_report(rejected.report)
        raise click.ClickException(
            "Nothing was imported. Fix the rows above, or pass --skip-invalid to import the "
            "valid ones.") from rejected
    print_report(report)


@click.group("agencies", cls=AppGroup)
def agencies_group() -> None:
    """Agencies and partner organisations."""


@agencies_group.command("seed")
def seed_command() -> None:
    """Add the bundled list of GMG member agencies and partners (refreshes existing ones)."""
    with get_database().transaction() as session:
        added, updated = load_agencies(session, reference_agencies())
    click.echo(f"{added} agencies added, {updated} updated.")
