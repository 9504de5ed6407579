"""``curriculum certificate`` (issue, verify, pdf) and ``curriculum catalogue-pdf``."""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from curriculum.db import get_database
from curriculum.errors import AppError
from curriculum.formatting import format_date
from exports.catalogue import render_catalogue_pdf
from exports.certificates import (
    certificate_pdf,
    find_certificate,
    issue_certificate,
    verification_url,
)
from exports.codes import format_code
from packages import services as package_services

LANG_HELP = "The language: en, fr, es, ar, ru or zh."


@click.group("certificate", cls=AppGroup)
def certificate_group() -> None:
    """Certificates of completion."""


@certificate_group.command("verify")
@click.argument("code")
def verify_command(code: str) -> None:
    """Say whom the certificate with CODE was issued to, for what, and when."""
    try:
        with get_database().transaction() as session:
            certificate = find_certificate(session, code)
            version = certificate.package_version
            lines = [
                f"Valid certificate {format_code(certificate.code)}",
                f"  awarded to:   {certificate.learner_name}",
                f"  package:      {version.snapshot['title']} ({version.package.slug})",
                f"  version:      {version.number}",
                f"  completed on: {format_date(certificate.completed_at)}",
                "  co-issued by: " + ", ".join(a["name"] for a in certificate.agencies),
                f"  issued on:    {format_date(certificate.issued_at)}",
                f"  page:         {verification_url(_base_url(), certificate)}",
            ]
    except AppError as error:
        raise click.ClickException(error.message) from error
    click.echo("\n".join(lines))


@certificate_group.command("issue")
@click.option("--holder", "holder_key", required=True,
              help="Who completed it, for you: e.g. '<platform>:<LMS user id>'. Never shown.")
@click.option("--name", "learner_name", required=True, help="The name to print.")
@click.option("--package", "slug", required=True, help="The package's slug.")
@click.option("--version", "number", type=click.IntRange(min=1),
              help="The version (the newest by default).")
@click.option("--completed", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="The completion date, YYYY-MM-DD (today by default).")
@click.option("--lang", default="en", show_default=True, help=LANG_HELP)
def issue_command(holder_key: str, learner_name: str, slug: str, number: int | None,
                  completed: datetime | None, lang: str) -> None:
    """Issue a certificate by hand (the same holder and version get the same certificate)."""
    completed_at = datetime.combine((completed or datetime.now(UTC)).date(), time(12), UTC)
    try:
        with get_database().transaction() as session:
            package = package_services.get_package(session, slug, published_only=True)
            version = package_services.get_version(
                session, package, number or package.latest_version_number or 0)
            certificate = issue_certificate(
                session, holder_key=holder_key, learner_name=learner_name,
                package_version=version, completed_at=completed_at, lang=lang.strip().lower())
            url = verification_url(_base_url(), certificate)
    except AppError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"Certificate {format_code(certificate.code)}: {url}")


@certificate_group.command("pdf")
@click.argument("code")
@click.option("-o", "--output", required=True,
              type=click.Path(dir_okay=False, writable=True, path_type=Path))
def pdf_command(code: str, output: Path) -> None:
    """Write the PDF of the certificate with CODE."""
    try:
        with get_database().transaction() as session:
            pdf = certificate_pdf(session, find_certificate(session, code), _base_url())
    except AppError as error:
        raise click.ClickException(error.message) from error
    output.write_bytes(pdf)
    click.echo(f"Wrote {output} ({len(pdf) // 1024} KiB).", err=True)


@click.command("catalogue-pdf")
@with_appcontext
@click.option("--lang", default="en", show_default=True, help=LANG_HELP)
@click.option("-o", "--output", required=True,
              type=click.Path(dir_okay=False, writable=True, path_type=Path))
def catalogue_pdf_command(lang: str, output: Path) -> None:
    """Write the curriculum catalogue: every track and its packages (rendered once, then kept
    until a track or package changes)."""
    try:
        with get_database().transaction() as session:
            rendered = render_catalogue_pdf(session, lang.strip().lower(), base_url=_base_url())
            output.write_bytes(rendered.pdf)
    except AppError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"Wrote the catalogue ({lang}) to {output} ({rendered.size // 1024} KiB).",
               err=True)


def _base_url() -> str:
    return str(current_app.config["BASE_URL"])

