"""``curriculum worker``: run the background jobs."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from curriculum.jobs.worker import Worker, stopping_on_signals


@click.command("worker")
@with_appcontext
@click.option("--once", is_flag=True,
              help="Run the jobs that are due, then exit (instead of waiting for more).")
@click.option("--poll-seconds", type=click.FloatRange(min=0.05),
              help="How long to wait when no job is due (default: WORKER_POLL_SECONDS).")
def worker_command(once: bool, poll_seconds: float | None) -> None:
    """Run background jobs (syllabus rendering, score delivery, ...) until SIGTERM or Ctrl-C."""
    worker = Worker(current_app._get_current_object(),  # type: ignore[attr-defined]
                    poll_seconds=poll_seconds)
    with stopping_on_signals(worker):
        ran = worker.run(once=once)
    if once:
        # Attempts, not distinct jobs: a job retried twice counts three times.
        click.echo(f"{ran} job run{'' if ran == 1 else 's'}.", err=True)
        if worker.polled:
            click.echo(f"{worker.polled} outbox item(s) handled (scores sent or retried).",
                       err=True)
