"""``curriculum keys``: rotation keeps the old key published until it is retired, signing
always uses the newest key, and the last key cannot be retired."""

from __future__ import annotations

import jwt
from sqlalchemy import select

from lti.keys import create_key, sign
from lti.models import KeyStatus, ToolKey


def published_kids(client) -> list[str]:
    """The key ids ``/lti/jwks.json`` serves."""
    answer = client.get("/lti/jwks.json")
    assert answer.status_code == 200
    return [key["kid"] for key in answer.get_json()["keys"]]


def rotate(runner) -> str:
    """``keys rotate``; the new key id."""
    result = runner.invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    return result.output.splitlines()[0].removeprefix("New signing key: ")


def signing_kid(app) -> str:
    """The ``kid`` of a JWT the tool signs now."""
    from curriculum.db import get_database

    with app.app_context(), get_database().transaction() as session:
        token = sign(session, {"iss": "tool"})
    return str(jwt.get_unverified_header(token)["kid"])


def test_rotating_keeps_the_old_key_published_and_signs_with_the_new(app, client, runner):
    old = rotate(runner)
    new = rotate(runner)

    assert old != new
    assert set(published_kids(client)) == {old, new}
    assert published_kids(client)[0] == new
    assert signing_kid(app) == new


def test_rotate_names_the_keys_still_published(runner):
    old = rotate(runner)
    result = runner.invoke(args=["keys", "rotate"])

    assert "Still published" in result.output and old in result.output


def test_retiring_stops_publishing_a_key(app, client, runner, session):
    old = rotate(runner)
    new = rotate(runner)

    result = runner.invoke(args=["keys", "retire", old])

    assert result.exit_code == 0, result.output
    assert published_kids(client) == [new]
    assert signing_kid(app) == new
    session.expire_all()
    stored = session.scalar(select(ToolKey).where(ToolKey.kid == old))
    assert stored.status is KeyStatus.RETIRED and stored.retired_at is not None


def test_retiring_the_newest_key_makes_the_older_one_sign_again(app, client, runner):
    old = rotate(runner)
    new = rotate(runner)

    assert runner.invoke(args=["keys", "retire", new]).exit_code == 0

    assert published_kids(client) == [old]
    assert signing_kid(app) == old


def test_the_last_key_cannot_be_retired(client, runner):
    only = rotate(runner)

    result = runner.invoke(args=["keys", "retire", only])

    assert result.exit_code == 1
    assert "only active key" in result.output
    assert published_kids(client) == [only]


def test_an_unknown_key_cannot_be_retired(runner):
    rotate(runner)
    result = runner.invoke(args=["keys", "retire", "no-such-kid"])

    assert result.exit_code == 1 and "No tool key has the id 'no-such-kid'" in result.output


def test_keys_list_shows_which_key_signs(runner, session):
    old = rotate(runner)
    new = rotate(runner)
    runner.invoke(args=["keys", "retire", old])

    lines = runner.invoke(args=["keys", "list"]).output.splitlines()

    assert lines[0].startswith(f"{new}\tsigning")
    assert lines[1].startswith(f"{old}\tretired")


def test_keys_list_without_keys_says_how_one_is_made(runner):
    assert "No key yet" in runner.invoke(args=["keys", "list"]).output


def test_the_published_keys_are_public_halves_only(client, session):
    create_key(session)
    session.commit()

    (key,) = client.get("/lti/jwks.json").get_json()["keys"]

    assert key["kty"] == "RSA" and key["alg"] == "RS256" and key["use"] == "sig"
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key)


def test_the_key_set_is_never_empty_even_before_anything_was_signed(client):
    keys = client.get("/lti/jwks.json").get_json()["keys"]
    assert len(keys) == 1
    assert keys[0]["alg"] == "RS256" and keys[0]["kid"]
    assert client.get("/lti/jwks.json").get_json()["keys"] == keys
