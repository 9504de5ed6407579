"""``curriculum users``: editors' accounts and API tokens."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from curriculum.accounts.models import Role, User
from curriculum.accounts.services import create_user, get_user, issue_token, revoke_tokens
from curriculum.db import get_database
from curriculum.errors import AppError


@click.group("users", cls=AppGroup)
def users_group() -> None:
    """Editors, publishers and administrators."""


@users_group.command("add")
@click.option("--email", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True,
              help="editor edits; publisher also publishes; admin also manages users.")
@click.option("--name", help="The name shown on published versions.")
def add_command(email: str, role: str, name: str | None) -> None:
    """Add a user and print their API token (shown once, stored hashed)."""
    try:
        with get_database().transaction() as session:
            user = create_user(session, email, Role(role), name)
            issued = issue_token(session, user)
    except AppError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"Added {user.email} as {user.role.value}.")
    click.echo("API token (shown once; send it as 'Authorization: Bearer <token>'):")
    click.echo(issued.secret)


@users_group.command("token")
@click.option("--email", required=True)
@click.option("--revoke-others", is_flag=True, help="Revoke the user's earlier tokens.")
def token_command(email: str, revoke_others: bool) -> None:
    """Issue a new API token for a user."""
    try:
        with get_database().transaction() as session:
            user = get_user(session, email)
            if revoke_others:
                revoke_tokens(session, user)
            issued = issue_token(session, user)
    except AppError as error:
        raise click.ClickException(error.message) from error
    click.echo(issued.secret)


@users_group.command("list")
def list_command() -> None:
    """List the users and their roles."""
    with get_database().transaction() as session:
        for user in session.scalars(select(User).order_by(User.email)):
            state = "" if user.is_active else " (inactive)"
            click.echo(f"{user.email}\t{user.role.value}{state}")
