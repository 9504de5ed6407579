"""``curriculum platform`` (partners' LMS registrations, invitations) and ``curriculum keys``
(the tool's own signing keys)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import click
import marshmallow as ma
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.orm import Session

from curriculum.db import get_database
from curriculum.errors import AppError
from lti import keys as tool_keys
from lti.administration import (
    all_keys,
    get_registration,
    list_registrations,
    partner_for,
    registration_state,
    set_registration_active,
)
from lti.invitations import MAX_LIFETIME_DAYS, create_invitation
from lti.models import KeyStatus, PartnerKind, Registration, ToolKey
from lti.registrations import add_deployment, create_registration, set_deployment_active
from lti.schemas import PRODUCT_FAMILIES, Country, RegistrationInputSchema
from lti.urls import tool_urls

MOODLE_WHERE = ("Site administration > Plugins > Activity modules > External tool > "
                "Manage tools")


@contextmanager
def _unit_of_work() -> Iterator[Session]:
    """One transaction; the service's errors become a clean command-line error."""
    try:
        with get_database().transaction() as session:
            yield session
    except AppError as error:
        raise click.ClickException(error.message) from error


def _echo_tool_urls() -> None:
    urls = tool_urls(current_app.config["BASE_URL"])
    click.echo("Tool URLs to enter in the platform:")
    for label, url in (("Login (OIDC initiation) URL", urls.login),
                       ("Launch (redirect) URL", urls.launch),
                       ("Deep Linking URL", urls.deep_linking),
                       ("Public keyset (JWKS) URL", urls.jwks),
                       ("Canvas developer key JSON", urls.canvas_config)):
        click.echo(f"  {label + ':':<30} {url}")


def _field_errors(messages: Any, options: dict[str, str]) -> str:
    lines = []
    for field, problems in (messages.items() if isinstance(messages, dict) else []):
        words = problems if isinstance(problems, list) else [problems]
        flat = " ".join(str(w) if not isinstance(w, dict) else json.dumps(w) for w in words)
        lines.append(f"{options.get(field, field)}: {flat}")
    return "\n".join(lines) or str(messages)


def _country(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        loaded: str = Country().deserialize(value)
    except ma.ValidationError as error:
        raise click.BadParameter(" ".join(map(str, error.messages)), param_hint="--country"
                                 ) from error
    return loaded


def _print_registration(registration: Registration) -> None:
    state = registration_state(registration)
    click.echo(f"#{registration.id}  {registration.name}  [{state}]")
    click.echo(f"  partner:         {registration.partner.name} ({registration.partner.slug})")
    click.echo(f"  issuer:          {registration.issuer}")
    click.echo(f"  client id:       {registration.client_id}")
    click.echo(f"  product:         {registration.product_family or 'unknown'}")
    click.echo(f"  login URL:       {registration.auth_login_url}")
    click.echo(f"  token URL:       {registration.auth_token_url or '(none: no AGS or NRPS)'}")
    if registration.static_key_set is not None:
        count = len(registration.static_key_set.get("keys", []))
        click.echo(f"  key set:         given once ({count} key{'s' if count != 1 else ''})")
    else:
        click.echo(f"  key set URL:     {registration.key_set_url}")
    scopes = registration.granted_scopes
    click.echo("  granted scopes:  " + (" ".join(scopes) if scopes else
                                        "(none)" if scopes == [] else "(not stated)"))
    click.echo(f"  registered:      {registration.created_at:%Y-%m-%d %H:%M} UTC")
    if not registration.deployments:
        click.echo("  deployments:     none (add one: curriculum platform deployment add "
                   f"{registration.id} DEPLOYMENT_ID)")
    for deployment in registration.deployments:
        click.echo(f"  deployment:      {deployment.deployment_id}  "
                   f"[{'active' if deployment.active else 'inactive'}]")


# curriculum platform --------------------------------------------------------------------


@click.group("platform", cls=AppGroup)
def platform_group() -> None:
    """Partners' LMSs (Moodle, Canvas) registered with this LTI tool."""


@platform_group.command("add")
@click.option("--partner", required=True, help="The partner institution (name or slug); a "
              "new name adds the partner.")
@click.option("--issuer", required=True, help="The platform's issuer (iss).")
@click.option("--client-id", required=True, help="The client id the platform gave the tool.")
@click.option("--deployment-id", "deployment_ids", multiple=True,
              help="A deployment id (repeat for several).")
@click.option("--auth-login-url", required=True, help="The platform's OIDC authorization URL.")
@click.option("--auth-token-url", help="The platform's OAuth2 token URL (for grades, rosters).")
@click.option("--key-set-url", help="The platform's public key set (JWKS) URL.")
@click.option("--key-set-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A JSON file with the platform's key set, when it publishes no URL.")
@click.option("--name", help="A name for this registration (the partner's by default).")
@click.option("--product-family", type=click.Choice(PRODUCT_FAMILIES))
@click.option("--country", help="The partner's ISO country code (for a new partner).")
@click.option("--kind", type=click.Choice([k.value for k in PartnerKind]),
              help="What sort of institution the partner is (for a new partner).")
def add_command(partner: str, key_set_file: Path | None, country: str | None,
                kind: str | None, **fields: Any) -> None:
    """Register a platform by hand, then print the URLs to enter in it."""
    data = {name: value for name, value in fields.items() if value not in (None, ())}
    data["deployment_ids"] = list(fields["deployment_ids"])
    if key_set_file is not None:
        try:
            data["key_set"] = json.loads(key_set_file.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as error:
            raise click.BadParameter(f"{key_set_file} is not a JSON file.",
                                     param_hint="--key-set-file") from error
    try:
        loaded = RegistrationInputSchema().load(data)
    except ma.ValidationError as error:
        options = {"key_set": "--key-set-file", "key_set_url": "--key-set-url (or "
                   "--key-set-file)", "deployment_ids": "--deployment-id"}
        options = {**{f: "--" + f.replace("_", "-") for f in data}, **options}
        raise click.ClickException("The registration is not valid:\n" + _field_errors(
            error.messages, options)) from error
    with _unit_of_work() as session:
        owner = partner_for(session, partner, country=_country(country),
                            kind=PartnerKind(kind) if kind else None)
        registration = create_registration(session, owner, loaded)
        _print_registration(registration)
    if not registration.deployments:
        click.secho("No deployment id yet: launches are refused until one is added.",
                    fg="yellow", err=True)
    _echo_tool_urls()


@platform_group.command("list")
def list_command() -> None:
    """List the registered platforms and the state of their deployments."""
    with _unit_of_work() as session:
        registrations = list_registrations(session)
        if not registrations:
            click.echo("No platform is registered. Add one with 'curriculum platform add' "
                       "or invite one with 'curriculum platform invite'.")
        for registration in registrations:
            deployments = ", ".join(
                f"{d.deployment_id} ({'active' if d.active else 'inactive'})"
                for d in registration.deployments) or "no deployment"
            click.echo(f"#{registration.id}\t{registration.partner.name}\t{registration.name}"
                       f"\t{registration.issuer}\t{registration.client_id}"
                       f"\t{registration_state(registration)}\t{deployments}")


@platform_group.command("show")
@click.argument("registration_id", type=int)
def show_command(registration_id: int) -> None:
    """Show everything registered about one platform (REGISTRATION_ID from 'list')."""
    with _unit_of_work() as session:
        _print_registration(get_registration(session, registration_id))
    _echo_tool_urls()


@platform_group.command("invite")
@click.option("--partner", required=True, help="The partner institution (name or slug); a "
              "new name adds the partner.")
@click.option("--expires-in-days", type=click.IntRange(1, MAX_LIFETIME_DAYS), default=7,
              show_default=True)
@click.option("--country", help="The partner's ISO country code (for a new partner).")
@click.option("--kind", type=click.Choice([k.value for k in PartnerKind]),
              help="What sort of institution the partner is (for a new partner).")
def invite_command(partner: str, expires_in_days: int, country: str | None,
                   kind: str | None) -> None:
    """Print a one-time Dynamic Registration URL for a partner's LMS administrator."""
    with _unit_of_work() as session:
        owner = partner_for(session, partner, country=_country(country),
                            kind=PartnerKind(kind) if kind else None)
        issued = create_invitation(session, owner, base_url=current_app.config["BASE_URL"],
                                   expires_in=timedelta(days=expires_in_days))
    click.echo(f"Registration URL for {owner.name} (one use, valid until "
               f"{issued.invitation.expires_at:%Y-%m-%d %H:%M} UTC; shown once):", err=True)
    click.echo(issued.url)
    click.echo(f"Moodle 4.x: {MOODLE_WHERE}, paste it as 'Tool URL' and press 'Add LTI "
               "Advantage'; then activate the new tool there.", err=True)
    click.echo("Canvas: Admin > Developer Keys > + Developer Key > LTI Registration (or Apps "
               "> LTI Registrations), paste it as the dynamic registration URL.", err=True)


def _switch(registration_id: int, active: bool) -> None:
    with _unit_of_work() as session:
        registration = set_registration_active(
            session, get_registration(session, registration_id), active)
        click.echo(f"#{registration.id} {registration.name}: "
                   f"{registration_state(registration)}.")


@platform_group.command("activate")
@click.argument("registration_id", type=int)
def activate_command(registration_id: int) -> None:
    """Let a platform's launches in again."""
    _switch(registration_id, True)


@platform_group.command("deactivate")
@click.argument("registration_id", type=int)
def deactivate_command(registration_id: int) -> None:
    """Refuse every launch of a platform (its data stays)."""
    _switch(registration_id, False)


@platform_group.group("deployment", cls=AppGroup)
def deployment_group() -> None:
    """Deployment ids of a registered platform."""


def _deployment_command(name: str, verb: str,
                        action: Callable[[Session, Registration, str], Any]) -> None:
    @deployment_group.command(name, help=f"{verb} DEPLOYMENT_ID of REGISTRATION_ID.")
    @click.argument("registration_id", type=int)
    @click.argument("deployment_id")
    def command(registration_id: int, deployment_id: str) -> None:
        deployment_id = deployment_id.strip()
        if not deployment_id or len(deployment_id) > 255:
            raise click.BadParameter("1 to 255 characters.", param_hint="DEPLOYMENT_ID")
        with _unit_of_work() as session:
            registration = get_registration(session, registration_id)
            action(session, registration, deployment_id)
            click.echo(f"#{registration.id} {registration.name}: deployment {deployment_id} "
                       f"{'active' if name != 'deactivate' else 'inactive'}.")


_deployment_command("add", "Add (or reactivate)", add_deployment)
_deployment_command("activate", "Activate",
                    lambda s, r, d: set_deployment_active(s, r, d, True))
_deployment_command("deactivate", "Deactivate (its launches are refused)",
                    lambda s, r, d: set_deployment_active(s, r, d, False))


@platform_group.command("urls")
def urls_command() -> None:
    """Print the tool's URLs (to enter in a platform by hand)."""
    _echo_tool_urls()


# curriculum keys ------------------------------------------------------------------------


@click.group("keys", cls=AppGroup)
def keys_group() -> None:
    """The tool's own RSA keys, published at /lti/jwks.json."""


def _print_keys(session: Session) -> None:
    active = tool_keys.active_keys(session)
    signing = active[0].kid if active else None
    for key in all_keys(session):
        state = "signing" if key.kid == signing else key.status.value
        retired = f", retired {key.retired_at:%Y-%m-%d %H:%M}" if key.retired_at else ""
        click.echo(f"{key.kid}\t{state}\t(created {key.created_at:%Y-%m-%d %H:%M}{retired})")


@keys_group.command("list")
def keys_list_command() -> None:
    """List the tool's keys: the signing one, the others still published, the retired."""
    with _unit_of_work() as session:
        if not all_keys(session):
            click.echo("No key yet: one is made at the first launch, or by 'keys rotate'.")
        _print_keys(session)


@keys_group.command("rotate")
def keys_rotate_command() -> None:
    """Make a new signing key; the old ones stay published until retired."""
    with _unit_of_work() as session:
        key: ToolKey = tool_keys.create_key(session)
        older = [k.kid for k in tool_keys.active_keys(session) if k.kid != key.kid]
    click.echo(f"New signing key: {key.kid}")
    if older:
        click.echo("Still published (retire each once platforms have fetched the new key, "
                   "with 'curriculum keys retire KID'): " + ", ".join(older))


@keys_group.command("retire")
@click.argument("kid")
def keys_retire_command(kid: str) -> None:
    """Stop publishing key KID (the last active key cannot be retired)."""
    with _unit_of_work() as session:
        key = tool_keys.retire_key(session, kid)
    assert key.status is KeyStatus.RETIRED
    click.echo(f"Retired {key.kid}: it is no longer published.")
