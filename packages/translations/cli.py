"""``curriculum translations export|import``: translations as JSON or CSV files."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from curriculum.db import get_database
from curriculum.errors import ValidationFailed
from packages.translations import files


@click.group("translations", cls=AppGroup)
def translations_group() -> None:
    """Translations of the packages' and modules' texts (fr, es, ar, ru, zh)."""


def _format(path: Path | None, fmt: str | None) -> str:
    return fmt or ("json" if path and path.suffix.lower() == ".json" else "csv")


@translations_group.command("export")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="The file to write (standard output by default).")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]),
              help="Defaults to the output's extension, else CSV.")
def export_command(output: Path | None, fmt: str | None) -> None:
    """Export every current translation (``translations import`` reads it back)."""
    with get_database().transaction() as session:
        document = files.export_translations(session)
    text = files.to_json(document) if _format(output, fmt) == "json" else files.to_csv(document)
    if output:
        output.write_text(text, encoding="utf-8")
        count = sum(len(texts) for kind in files.KINDS for languages in document[kind].values()
                    for texts in languages.values())
        click.echo(f"Exported {count} translated texts to {output}.", err=True)
    else:
        sys.stdout.write(text)


@translations_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]),
              help="Defaults to the file's extension, else CSV.")
def import_command(file: Path, fmt: str | None) -> None:
    """Store the translations of FILE, each against the original as it is now (all or
    nothing: a file with any problem stores nothing)."""
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise click.ClickException("The file is not UTF-8 text.") from error
    try:
        with get_database().transaction() as session:
            document = (files.read_json(text) if _format(file, fmt) == "json"
                        else files.read_csv(text))
            report = files.import_translations(session, document)
    except ValidationFailed as error:
        problems = (error.details or {}).get("errors") or [error.message]
        for problem in problems:
            click.secho(problem, fg="red", err=True)
        raise click.ClickException("Nothing was imported. Fix the problems above.") from error
    click.echo(f"Stored {report.stored} translated texts.")
