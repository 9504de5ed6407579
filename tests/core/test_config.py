"""Configuration from the environment, with a refusal to run production on dev secrets."""

import pytest

from curriculum.app import create_app
from curriculum.config import (
    DEV_SECRET_KEY,
    ConfigError,
    check_production_safety,
    normalise_database_url,
    read_environment,
)


def test_plain_environment_variables_configure_the_app():
    values = read_environment({"DATABASE_URL": "postgresql://db/x", "SECRET_KEY": "s",
                               "BASE_URL": "https://curriculum.example.org",
                               "DEMO_MODE": "false", "UNRELATED": "1"})
    assert values == {"DATABASE_URL": "postgresql://db/x", "SECRET_KEY": "s",
                      "BASE_URL": "https://curriculum.example.org", "DEMO_MODE": False}


def test_postgres_urls_use_psycopg_3():
    assert normalise_database_url("postgres://u@h/d") == "postgresql+psycopg://u@h/d"
    assert normalise_database_url("postgresql://u@h/d") == "postgresql+psycopg://u@h/d"
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"


@pytest.mark.parametrize("unsafe", [
    {"SECRET_KEY": DEV_SECRET_KEY},
    {"SECRET_KEY": ""},
    {"DEMO_MODE": True},
    {"BASE_URL": "http://127.0.0.1:5000"},
])
def test_production_refuses_development_settings(unsafe):
    config = {"ENV": "production", "SECRET_KEY": "a-real-secret", "DEMO_MODE": False,
              "BASE_URL": "https://curriculum.example.org", **unsafe}
    with pytest.raises(ConfigError):
        check_production_safety(config)


def test_production_with_real_settings_starts(app_config):
    app = create_app({**app_config, "ENV": "production", "SECRET_KEY": "a-real-secret",
                      "DEMO_MODE": False, "BASE_URL": "https://curriculum.example.org"})
    assert app.config["ENV"] == "production"


def test_the_development_defaults_use_sqlite_under_instance():
    app = create_app({"TESTING": True})
    assert app.config["DATABASE_URL"].startswith("sqlite:///")
    assert app.config["DATABASE_URL"].endswith("instance/curriculum.sqlite3")
    app.extensions["database"].engine.dispose()
