"""``curriculum platform``: registering a partner's LMS by hand, listing and showing what is
registered, switching deployments, and inviting an LMS to register itself."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from lti.invitations import hash_invitation_token
from lti.models import Deployment, Partner, PartnerKind, Registration, RegistrationInvitation
from tests.lti.admin_fixtures import (
    MOODLE_ISSUER,
    count,
    make_partner,
    make_registration,
    public_key_set,
)

MOODLE = [
    "--issuer", MOODLE_ISSUER, "--client-id", "kq3Jc9XzT1aB2cD",
    "--auth-login-url", f"{MOODLE_ISSUER}/mod/lti/auth.php",
    "--auth-token-url", f"{MOODLE_ISSUER}/mod/lti/token.php",
]


def add(runner, *options: str, partner: str = "Kenya School of Government"):
    """``platform add`` with ``options``."""
    return runner.invoke(args=["platform", "add", "--partner", partner, *options])


def only_registration(session) -> Registration:
    """The one stored registration."""
    session.expire_all()
    return session.scalars(select(Registration)).one()


def test_add_registers_a_moodle_and_prints_the_urls_to_paste(runner, session):
    result = add(runner, *MOODLE, "--deployment-id", "1", "--deployment-id", "2",
                 "--key-set-url", f"{MOODLE_ISSUER}/mod/lti/certs.php",
                 "--product-family", "moodle", "--country", "ke",
                 "--kind", "national_training_centre")

    assert result.exit_code == 0, result.output
    for url in ("http://localhost/lti/login", "http://localhost/lti/launch",
                "http://localhost/lti/jwks.json"):
        assert url in result.output
    assert "Deep Linking URL" in result.output
    registration = only_registration(session)
    assert registration.issuer == MOODLE_ISSUER
    assert registration.client_id == "kq3Jc9XzT1aB2cD"
    assert registration.key_set_url == f"{MOODLE_ISSUER}/mod/lti/certs.php"
    assert registration.product_family == "moodle"
    assert [d.deployment_id for d in registration.deployments] == ["1", "2"]
    partner = registration.partner
    assert (partner.name, partner.country, partner.kind) == (
        "Kenya School of Government", "KE", PartnerKind.NATIONAL_TRAINING_CENTRE)


def test_add_reads_a_key_set_file(runner, session, tmp_path):
    key_set = public_key_set("moodle-key")
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(key_set))

    result = add(runner, *MOODLE, "--deployment-id", "1", "--key-set-file", str(path))

    assert result.exit_code == 0, result.output
    registration = only_registration(session)
    assert registration.static_key_set == key_set and registration.key_set_url is None
    assert "given once (1 key)" in result.output


@pytest.mark.parametrize(("content", "words"), [
    ("not json", "is not a JSON file"),
    ('{"keys": []}', "at least one key"),
    ('{"keys": [{"kty": "RSA", "n": "x", "e": "AQAB"}]}', "has no 'kid'"),
    ('{"keys": [{"kid": "k", "kty": "oct", "k": "c2VjcmV0"}]}', "not an RSA public key"),
])
def test_add_refuses_a_bad_key_set_file(runner, session, tmp_path, content, words):
    path = tmp_path / "jwks.json"
    path.write_text(content)

    result = add(runner, *MOODLE, "--key-set-file", str(path))

    assert result.exit_code != 0
    assert words in result.output
    assert count(session, Registration) == 0


def test_add_reuses_a_partner_named_by_slug(runner, session):
    partner = make_partner(session)

    result = add(runner, *MOODLE, "--key-set-url", f"{MOODLE_ISSUER}/certs",
                 partner=partner.slug)

    assert result.exit_code == 0, result.output
    assert only_registration(session).partner_id == partner.id
    assert count(session, Partner) == 1


@pytest.mark.parametrize(("options", "words"), [
    (["--issuer", "learn.example.org"], "--issuer: Not a valid URL."),
    (["--auth-login-url", "ftp://x.example.org/auth"], "--auth-login-url: Not a valid URL."),
    (["--issuer", "https://learn.example.org/?site=1"], "no query"),
    (["--key-set-url", ""], "--key-set-url (or --key-set-file): Give the platform's key set URL"),
])
def test_add_refuses_bad_input_naming_the_option(runner, session, options, words):
    base = [*MOODLE, "--key-set-url", f"{MOODLE_ISSUER}/certs"]
    for name, value in zip(options[::2], options[1::2], strict=True):
        base[base.index(name) + 1] = value

    result = add(runner, *base)

    assert result.exit_code == 1
    assert words in result.output
    assert count(session, Registration) == 0 and count(session, Partner) == 0


def test_add_refuses_a_key_set_given_twice(runner, session, tmp_path):
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(public_key_set()))

    result = add(runner, *MOODLE, "--key-set-url", f"{MOODLE_ISSUER}/certs",
                 "--key-set-file", str(path))

    assert result.exit_code == 1 and "one of the two" in result.output


def test_add_refuses_an_unknown_country(runner, session):
    result = add(runner, *MOODLE, "--key-set-url", f"{MOODLE_ISSUER}/certs",
                 "--country", "XX")

    assert result.exit_code == 2 and "not an ISO 3166 country code" in result.output
    assert count(session, Partner) == 0


def test_add_refuses_an_issuer_and_client_id_registered_already(runner, session):
    make_registration(session, make_partner(session))

    result = add(runner, *MOODLE, "--key-set-url", f"{MOODLE_ISSUER}/certs")

    assert result.exit_code == 1 and "registered already" in result.output
    assert count(session, Registration) == 1


def test_add_without_a_deployment_warns_that_nothing_can_launch(runner, session):
    result = add(runner, *MOODLE, "--key-set-url", f"{MOODLE_ISSUER}/certs")

    assert result.exit_code == 0
    assert "No deployment id yet" in result.stderr


def test_list_and_show_say_what_is_registered_and_each_deployments_state(runner, session):
    registration = make_registration(session, make_partner(session),
                                     deployment_ids=["1", "2"])
    runner.invoke(args=["platform", "deployment", "deactivate", str(registration.id), "2"])

    listed = runner.invoke(args=["platform", "list"]).output
    shown = runner.invoke(args=["platform", "show", str(registration.id)]).output

    assert f"#{registration.id}\tKenya School of Government" in listed
    assert "1 (active), 2 (inactive)" in listed
    assert "deployment:      1  [active]" in shown
    assert "deployment:      2  [inactive]" in shown
    assert f"key set URL:     {MOODLE_ISSUER}/mod/lti/certs.php" in shown
    assert "http://localhost/lti/login" in shown


def test_list_without_registrations_says_how_to_add_one(runner):
    assert "curriculum platform invite" in runner.invoke(args=["platform", "list"]).output


def test_show_of_an_unknown_registration_fails_clearly(runner):
    result = runner.invoke(args=["platform", "show", "999"])

    assert result.exit_code == 1 and "No registration has the id 999" in result.output


def test_deployments_can_be_added_deactivated_and_activated(runner, session):
    registration = make_registration(session, make_partner(session))
    rid = str(registration.id)

    assert runner.invoke(args=["platform", "deployment", "add", rid,
                               "7:d3a2504bba5184799a38f141e8df2335cfa8206d"]).exit_code == 0
    assert runner.invoke(args=["platform", "deployment", "deactivate", rid, "1"]).exit_code == 0
    states = {d.deployment_id: d.active
              for d in session.scalars(select(Deployment).execution_options(
                  populate_existing=True))}
    assert states == {"1": False, "7:d3a2504bba5184799a38f141e8df2335cfa8206d": True}
    assert runner.invoke(args=["platform", "deployment", "activate", rid, "1"]).exit_code == 0
    missing = runner.invoke(args=["platform", "deployment", "activate", rid, "9"])
    assert missing.exit_code == 1 and "has no deployment '9'" in missing.output


def test_a_whole_registration_can_be_switched_off(runner, session):
    registration = make_registration(session, make_partner(session))

    result = runner.invoke(args=["platform", "deactivate", str(registration.id)])

    assert result.exit_code == 0 and "inactive" in result.output
    assert "\tinactive\t" in runner.invoke(args=["platform", "list"]).output
    assert runner.invoke(args=["platform", "activate", str(registration.id)]).exit_code == 0
    assert "\tactive\t" in runner.invoke(args=["platform", "list"]).output


def test_invite_prints_a_one_time_url_and_stores_only_its_hash(runner, session, client):
    result = runner.invoke(args=["platform", "invite", "--partner", "Kenya School of Government",
                                 "--expires-in-days", "3", "--country", "KE"])

    assert result.exit_code == 0, result.output
    url = result.stdout.strip()
    assert url.startswith("http://localhost/lti/register?invitation=reg_")
    token = url.split("invitation=", 1)[1]
    stored = session.scalars(select(RegistrationInvitation)).one()
    assert stored.token_hash == hash_invitation_token(token) and token not in stored.token_hash
    assert (stored.expires_at - stored.created_at).days == 3
    assert stored.partner.country == "KE"
    assert "Manage tools" in result.stderr and "Canvas" in result.stderr
    assert client.get(url).status_code == 200


def test_invite_refuses_a_lifetime_beyond_ninety_days(runner, session):
    result = runner.invoke(args=["platform", "invite", "--partner", "X",
                                 "--expires-in-days", "91"])

    assert result.exit_code == 2
    assert count(session, RegistrationInvitation) == 0


def test_a_partner_named_with_accents_is_found_again(runner, session):
    name = "École Nationale d'Administration"
    first = runner.invoke(args=["platform", "invite", "--partner", name])
    again = runner.invoke(args=["platform", "invite", "--partner", name.upper()])

    assert first.exit_code == again.exit_code == 0
    assert count(session, Partner) == 1
