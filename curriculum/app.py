"""The app factory: the one place that knows every part of the service and wires them together."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from curriculum import api, db, errors, formatting
from curriculum.config import (
    check_production_safety,
    default_config,
    environment,
    normalise_database_url,
    read_environment,
)
from curriculum.jobs import registry as jobs


def import_models() -> None:
    """Import every part's models so that the metadata knows all tables (Alembic needs this)."""
    import curriculum.accounts.models
    import curriculum.inventory.models
    import curriculum.jobs.models  # noqa: F401
    import exports.models  # noqa: F401
    import lti.demo_lms.models
    import lti.models  # noqa: F401
    import packages.models
    import packages.translations.models  # noqa: F401


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then the environment, then ``test_config``."""
    app = Flask("curriculum", instance_relative_config=True)
    app.config.from_mapping(default_config(app.instance_path))
    app.config.update(read_environment(environment()))
    app.config.from_prefixed_env("CURRICULUM")
    if test_config is not None:
        app.config.update(test_config)
    app.config["DATABASE_URL"] = normalise_database_url(app.config["DATABASE_URL"])
    app.config["TESTING"] = app.config.get("TESTING", False)
    check_production_safety(app.config)
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep the schemas' field order
    if app.config["DATABASE_URL"].startswith("sqlite:///"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=logging.INFO)
    # WeasyPrint reports every step of every render at INFO: keep its warnings only.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

    import_models()
    db.init_app(app)
    errors.init_app(app)
    formatting.init_app(app)
    jobs.init_app(app)
    rest = api.init_app(app)

    from curriculum.accounts.auth import forget_current_user
    from curriculum.commands import register_commands
    from curriculum.health import bp as health_bp
    from curriculum.inventory.views import agencies_blp, modules_blp, themes_blp
    from exports.jobs import init_app as init_export_jobs
    from exports.views import bp as exports_bp
    from lti.api import partners_blp, platforms_blp
    from lti.delivery import init_app as init_score_delivery
    from lti.learning_views import bp as lti_learning_bp
    from lti.registration_views import bp as lti_registration_bp
    from lti.views import bp as lti_bp
    from packages.catalogue.views import bp as catalogue_bp
    from packages.translations.views import translations_blp
    from packages.views import packages_blp, tracks_blp

    app.teardown_request(forget_current_user)
    app.register_blueprint(health_bp)
    for blueprint in (modules_blp, agencies_blp, themes_blp, packages_blp, tracks_blp,
                      partners_blp, platforms_blp):
        rest.register_blueprint(blueprint, url_prefix=f"/api/v1/{blueprint.name}")
    rest.register_blueprint(translations_blp, url_prefix="/api/v1")
    app.register_blueprint(catalogue_bp)
    app.register_blueprint(exports_bp)
    app.register_blueprint(lti_bp)
    app.register_blueprint(lti_learning_bp)
    app.register_blueprint(lti_registration_bp)
    if app.config["DEMO_MODE"] and app.config["ENV"] != "production":
        from lti.demo_lms.views import bp as demo_lms_bp
        app.register_blueprint(demo_lms_bp)
    init_export_jobs(app)
    init_score_delivery(app)
    register_commands(app)
    return app
