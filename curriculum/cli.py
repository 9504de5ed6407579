"""The ``curriculum`` console script: Flask's CLI on our app factory, plus ``serve``."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import click
from flask import Flask
from flask.cli import FlaskGroup

from curriculum.app import create_app


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, envvar="PORT", type=int,
              help="Also read from the PORT environment variable.")
@click.option("--workers", default=2, show_default=True, type=int,
              help="gunicorn worker processes (web requests).")
@click.option("--worker/--no-worker", "with_worker", default=False, show_default=True,
              help="Also run one background worker (curriculum worker) beside the server, "
                   "stopped with it.")
def serve_command(host: str, port: int, workers: int, with_worker: bool) -> None:
    """Serve the app with gunicorn (and, with --worker, run the background jobs)."""
    from gunicorn.app.base import BaseApplication  # only the server needs it

    class Server(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("accesslog", "-")

        def load(self) -> Flask:
            return create_app()

    click.echo(f"Serving on http://{host}:{port}/catalogue (API docs at /api/v1/docs)")
    job_runner = start_worker_process() if with_worker else None
    try:
        Server().run()
    finally:
        if job_runner is not None:
            stop_worker_process(job_runner)


def start_worker_process() -> subprocess.Popen[bytes]:
    """``curriculum worker`` as a child process (it inherits the environment)."""
    click.echo("Running one background worker beside the server.")
    return subprocess.Popen([sys.executable, "-m", "curriculum", "worker"])


def stop_worker_process(process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    """Ask the worker to stop (SIGTERM: it finishes the job in hand), then make sure."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def build_cli() -> FlaskGroup:
    """The ``curriculum`` command group."""
    group = FlaskGroup(create_app=create_app, add_version_option=False,
                       help="The GMG standing curriculum service.")
    group.add_command(serve_command)
    return group


def main(*args: Any) -> None:
    """Entry point of the ``curriculum`` console script."""
    build_cli().main(*args)
