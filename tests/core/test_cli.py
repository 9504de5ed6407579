"""The ``curriculum`` command."""

import pytest
from sqlalchemy import func, select

from curriculum.accounts.models import ApiToken, User
from curriculum.cli import build_cli
from packages.models import Package, PackageVersion, Track


def test_users_add_prints_a_token_once_and_stores_only_its_hash(runner, session, client):
    result = runner.invoke(args=["users", "add", "--email", "Editor@Example.org",
                                 "--role", "editor"])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert token.startswith("gmg_")
    stored = session.scalar(select(ApiToken))
    assert stored.token_hash != token and token not in stored.token_hash
    assert session.scalar(select(User.email)) == "editor@example.org"
    me = client.post("/api/v1/themes", json={"name": "Diaspora"},
                     headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 201


def test_users_add_refuses_a_second_account_with_the_same_email(runner):
    runner.invoke(args=["users", "add", "--email", "a@example.org", "--role", "admin"])
    result = runner.invoke(args=["users", "add", "--email", "A@example.org", "--role", "admin"])
    assert result.exit_code != 0
    assert "exists already" in result.output


def test_users_add_refuses_an_unknown_role(runner):
    result = runner.invoke(args=["users", "add", "--email", "a@example.org", "--role", "boss"])
    assert result.exit_code == 2
    assert "'boss' is not one of" in result.output


def test_a_new_token_can_revoke_the_old_ones(runner, client):
    old = runner.invoke(args=["users", "add", "--email", "a@example.org", "--role", "editor"]
                        ).output.strip().splitlines()[-1]
    new = runner.invoke(args=["users", "token", "--email", "a@example.org",
                              "--revoke-others"]).output.strip()
    for token, status in ((old, 401), (new, 201)):
        response = client.post("/api/v1/themes", json={"name": f"Theme {status}"},
                               headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == status


def test_demo_load_builds_the_curriculum_and_is_idempotent(runner, session):
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    assert "59 rows: 59 created" in first.output
    packages = session.scalar(select(func.count()).select_from(Package))
    versions = session.scalar(select(func.count()).select_from(PackageVersion))
    tracks = session.scalar(select(func.count()).select_from(Track))
    assert packages >= 5 and tracks >= 3 and versions > packages
    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0, second.output
    assert "59 unchanged" in second.output
    assert session.scalar(select(func.count()).select_from(PackageVersion)) == versions


@pytest.mark.parametrize("command", [
    [], ["db"], ["db", "upgrade"], ["demo", "load"], ["serve"], ["users", "add"],
    ["modules", "import"], ["modules", "export"], ["agencies", "seed"],
])
def test_every_command_has_help(command):
    result = build_cli().main([*command, "--help"], standalone_mode=False)
    assert result == 0


def test_agencies_seed_adds_the_gmg_agencies_once(runner):
    assert "agencies added" in runner.invoke(args=["agencies", "seed"]).output
    assert runner.invoke(args=["agencies", "seed"]).output.startswith("0 agencies added")
