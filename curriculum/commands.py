"""The commands of every part, wired into the app's CLI by the app factory.

Like the app factory, this module knows every part of the service.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from curriculum import migrate
from curriculum.accounts.cli import users_group
from curriculum.db import get_database
from curriculum.errors import AppError
from curriculum.inventory.cli import agencies_group, modules_group, print_report
from curriculum.inventory.models import Module
from exports.cli import catalogue_pdf_command, certificate_group
from exports.inventory import modules_to_csv, modules_to_json
from exports.services import render_syllabus_pdf
from exports.syllabus import catalogue_url
from lti.cli import keys_group, platform_group
from lti.demo_lms.setup import register_demo_lms
from packages import services as package_services
from packages.demo.loader import load_demo


@click.group("db", cls=AppGroup)
def db_group() -> None:
    """The database schema."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
def upgrade_command(revision: str) -> None:
    """Bring the schema up to REVISION (the newest by default)."""
    migrate.upgrade(get_database().engine, revision)
    click.echo(f"Database upgraded to {revision}.")


@db_group.command("downgrade")
@click.argument("revision")
def downgrade_command(revision: str) -> None:
    """Take the schema down to REVISION."""
    migrate.downgrade(get_database().engine, revision)
    click.echo(f"Database downgraded to {revision}.")


@db_group.command("revision")
@click.option("-m", "--message", required=True)
def revision_command(message: str) -> None:
    """Write a migration for what the models changed (review it before committing)."""
    migrate.new_revision(get_database().engine, message)


@click.group("demo", cls=AppGroup)
def demo_group() -> None:
    """The demo curriculum."""


@demo_group.command("load")
def demo_load_command() -> None:
    """Load the demo curriculum and, in demo mode, register the demo LMS (safe to run again:
    it adds only what is missing)."""
    config = current_app.config
    with_lms = bool(config["DEMO_MODE"]) and config["ENV"] != "production"
    with get_database().transaction() as session, click.progressbar(
            length=59, label="Loading the demo inventory", file=sys.stderr
    ) as bar:
        report = load_demo(session, progress=lambda _done: bar.update(1))
        lms = register_demo_lms(session, config["BASE_URL"]) if with_lms else None
    print_report(report.inventory)
    click.echo(f"{report.agencies_added} agencies, {report.packages_added} packages "
               f"({report.versions_published} versions) and {report.tracks_added} tracks "
               "added.")
    if lms is not None:
        click.echo(f"The demo LMS is {'registered' if lms.created else 'up to date'}: "
                   f"{config['BASE_URL'].rstrip('/')}/demo-lms/")


@modules_group.command("export")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="The file to write (standard output by default).")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]),
              help="Defaults to the output's extension, else CSV.")
@click.option("--include-retired", is_flag=True)
def export_command(output: Path | None, fmt: str | None, include_retired: bool) -> None:
    """Export the inventory as CSV or JSON (``modules import`` reads it back)."""
    fmt = fmt or ("json" if output and output.suffix.lower() == ".json" else "csv")
    with get_database().transaction() as session:
        statement = select(Module).order_by(Module.title, Module.id)
        if not include_retired:
            statement = statement.where(Module.status == "active")
        modules = list(session.scalars(statement))
        text = modules_to_csv(modules) if fmt == "csv" else modules_to_json(modules)
    if output:
        output.write_text(text, encoding="utf-8")
        click.echo(f"Exported {len(modules)} modules to {output}.", err=True)
    else:
        sys.stdout.write(text)


@click.command("syllabus")
@with_appcontext
@click.argument("slug")
@click.option("--version", "number", type=click.IntRange(min=1),
              help="The version (the newest by default).")
@click.option("--lang", default="en", show_default=True,
              help="The syllabus's language: en, fr, es, ar, ru or zh.")
@click.option("-o", "--output", required=True,
              type=click.Path(dir_okay=False, writable=True, path_type=Path))
def syllabus_command(slug: str, number: int | None, lang: str, output: Path) -> None:
    """Write the PDF syllabus of a published package (rendered once, then kept)."""
    try:
        with get_database().transaction() as session:
            package = package_services.get_package(session, slug, published_only=True)
            version = package_services.get_version(
                session, package, number or package.latest_version_number or 0)
            rendered = render_syllabus_pdf(
                session, version, lang.strip().lower(),
                catalogue_url=catalogue_url(current_app.config["BASE_URL"], slug))
            output.write_bytes(rendered.pdf)
    except AppError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"Wrote the syllabus of {slug} version {version.number} ({lang}) to {output} "
               f"({rendered.size // 1024} KiB).", err=True)


def register_commands(app: Flask) -> None:
    """Add every part's command group to ``app.cli``."""
    for group in (db_group, demo_group, users_group, modules_group, agencies_group,
                  platform_group, keys_group, certificate_group):
        app.cli.add_command(group)
    app.cli.add_command(syllabus_command)
    app.cli.add_command(catalogue_pdf_command)
