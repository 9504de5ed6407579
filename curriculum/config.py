"""Configuration: safe development defaults, then ``CURRICULUM_*`` / plain environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

DEV_SECRET_KEY = "dev-only-secret-key-change-me"  # refused in production below

#: Plain environment variables users expect to work, mapped to config keys.
PLAIN_ENV_NAMES = {
    "DATABASE_URL": "DATABASE_URL",
    "SECRET_KEY": "SECRET_KEY",
    "BASE_URL": "BASE_URL",
    "CURRICULUM_ENV": "ENV",
    "DEMO_MODE": "DEMO_MODE",
}


class ConfigError(RuntimeError):
    """The configuration is unsafe or inconsistent; the app refuses to start."""


def default_config(instance_path: str) -> dict[str, Any]:
    """The development defaults: an SQLite file under ``instance/``."""
    database_file = Path(instance_path) / "curriculum.sqlite3"
    return {
        "ENV": "development",
        "SECRET_KEY": DEV_SECRET_KEY,
        "DATABASE_URL": f"sqlite:///{database_file}",
        "BASE_URL": "http://127.0.0.1:5000",
        "DEMO_MODE": True,
        "SQL_ECHO": False,
        "SQLITE_BUSY_TIMEOUT_MS": 5000,
        "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
        "API_PAGE_SIZE_DEFAULT": 20,
        "API_PAGE_SIZE_MAX": 100,
        # The worker (curriculum worker): how long it waits when no job is due, how soon a
        # failed job is tried again (doubled each attempt), how long finished jobs are kept.
        "WORKER_POLL_SECONDS": 2.0,
        "JOBS_RETRY_SECONDS": 30.0,
        "JOBS_KEEP_DONE_DAYS": 7,
        # Syllabi: packages with more modules than this are rendered by the worker, the
        # request answering 202; the worker's render process is replaced after this many
        # renders (WeasyPrint keeps memory); a render is stopped after this many seconds and
        # its job tried this many times.
        "SYLLABUS_INLINE_MAX_MODULES": 80,
        "SYLLABUS_RENDERS_PER_PROCESS": 20,
        "SYLLABUS_RENDER_TIMEOUT_SECONDS": 300.0,
        "SYLLABUS_RENDER_ATTEMPTS": 3,
        # The score outbox (lti.delivery): how many due scores a worker takes at once, how
        # many it sends at once in all and to one platform (Canvas throttles per client id),
        # how long its claim lasts, the backoff after a failed attempt (full jitter, doubled
        # up to the maximum), how long a score keeps failing before it is marked failed, the
        # wait after a rate limit that names none, and the HTTP timeouts (connect, read;
        # ``None``: lti.registrations.HTTP_TIMEOUT).
        "OUTBOX_BATCH_SIZE": 50,
        "OUTBOX_THREADS": 8,
        "OUTBOX_PER_REGISTRATION": 4,
        "OUTBOX_LEASE_SECONDS": 300.0,
        "OUTBOX_RETRY_BASE_SECONDS": 10.0,
        "OUTBOX_RETRY_MAX_SECONDS": 3600.0,
        "OUTBOX_RETRY_WINDOW_HOURS": 48.0,
        "OUTBOX_RATE_LIMIT_SECONDS": 30.0,
        "OUTBOX_HTTP_TIMEOUT": None,
        # A course roster (LTI NRPS) read less than this many seconds ago is not read again.
        "LTI_ROSTER_MAX_AGE": 900,
    }


def read_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """Config values taken from the plain environment variables (``DATABASE_URL`` ...)."""
    values: dict[str, Any] = {}
    for env_name, key in PLAIN_ENV_NAMES.items():
        if env_name in environ and environ[env_name] != "":
            values[key] = environ[env_name]
    if "DEMO_MODE" in values:
        values["DEMO_MODE"] = str(values["DEMO_MODE"]).lower() in {"1", "true", "yes", "on"}
    return values


def normalise_database_url(url: str) -> str:
    """Accept the ``postgres://`` and ``postgresql://`` forms and use psycopg 3 for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def check_production_safety(config: Mapping[str, Any]) -> None:
    """Refuse to run in production with development secrets or the demo LMS switched on."""
    if config.get("ENV") != "production":
        return
    if config.get("SECRET_KEY") in (None, "", DEV_SECRET_KEY):
        raise ConfigError("SECRET_KEY must be set to a secret value in production.")
    if config.get("DEMO_MODE"):
        raise ConfigError("DEMO_MODE must be off in production.")
    if str(config.get("BASE_URL", "")).startswith("http://127.0.0.1"):
        raise ConfigError("BASE_URL must be the public URL of the service in production.")


def environment() -> Mapping[str, str]:
    """The process environment; the one place that reads ``os.environ``."""
    return os.environ
