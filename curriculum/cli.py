"""The ``curriculum`` console script: Flask's CLI on our app factory, plus ``serve``."""

from __future__ import annotations

from typing import Any

import click
from flask import Flask
from flask.cli import FlaskGroup

from curriculum.app import create_app


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, envvar="PORT", type=int,
              help="Also read from the PORT environment variable.")
@click.option("--workers", default=2, show_default=True, type=int)
def serve_command(host: str, port: int, workers: int) -> None:
    """Serve the app with gunicorn."""
    from gunicorn.app.base import BaseApplication  # only the server needs it

    class Server(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("accesslog", "-")

        def load(self) -> Flask:
            return create_app()

    click.echo(f"Serving on http://{host}:{port}/catalogue (API docs at /api/v1/docs)")
    Server().run()


def build_cli() -> FlaskGroup:
    """The ``curriculum`` command group."""
    group = FlaskGroup(create_app=create_app, add_version_option=False,
                       help="The GMG standing curriculum service.")
    group.add_command(serve_command)
    return group


def main(*args: Any) -> None:
    """Entry point of the ``curriculum`` console script."""
    build_cli().main(*args)
