"""``curriculum outbox``: the scores waiting for, failing at or failed by the gradebooks, and
retrying them."""

from __future__ import annotations

from datetime import datetime

import click
from flask.cli import AppGroup

from curriculum.db import get_database, utcnow
from lti.outbox import LISTED_STATES, list_scores, listed_state, outbox_summary, retry_scores

ANSWER_WIDTH = 60


@click.group("outbox", cls=AppGroup)
def outbox_group() -> None:
    """Scores on their way to the LMS gradebooks."""


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment is not None else "-"


@outbox_group.command("list")
@click.option("--registration", "registration_id", type=int, help="Only this registration.")
@click.option("--state", type=click.Choice(LISTED_STATES), help="Only scores in this state.")
@click.option("--limit", type=click.IntRange(min=1), default=200, show_default=True)
def list_command(registration_id: int | None, state: str | None, limit: int) -> None:
    """The scores, newest first: learner, link, score, state, attempts, next attempt and the
    LMS's last answer; then the counts per registration."""
    with get_database().transaction() as session:
        scores = list_scores(session, registration_id=registration_id, state=state,
                             limit=limit)
        click.echo(f"{'ID':>6}  {'LEARNER':<24} {'LINK':<24} {'SCORE':>6}  {'STATE':<9} "
                   f"{'TRIES':>5}  {'NEXT ATTEMPT':<16}  LAST ANSWER")
        for score in scores:
            answer = " ".join((score.last_answer or "").split())
            if score.last_status is not None:
                answer = f"{score.last_status} {answer}"
            pending = listed_state(score) in ("waiting", "failing")
            click.echo(
                f"{score.id:>6}  {score.user.display_name[:24]:<24} "
                f"{(score.resource_link.title or score.resource_link.resource_link_id)[:24]:<24} "
                f"{score.progress * 100:>5.0f}%  {listed_state(score):<9} {score.attempts:>5}  "
                f"{_when(score.next_attempt_at if pending else None):<16}  "
                f"{answer[:ANSWER_WIDTH]}")
        if not scores:
            click.echo("No scores.")
        for outbox in outbox_summary(session, registration_id):
            click.echo(f"Registration {outbox.registration_id} ({outbox.name}): "
                       f"{outbox.waiting} waiting, {outbox.failing} failing, "
                       f"{outbox.failed} failed.")


@outbox_group.command("retry")
@click.option("--registration", "registration_id", type=int,
              help="Every failed or failing score of this registration.")
@click.argument("ids", nargs=-1, type=int)
def retry_command(registration_id: int | None, ids: tuple[int, ...]) -> None:
    """Send failed and failing scores (IDS, or those of a registration, or all) again now."""
    with get_database().transaction() as session:
        count = retry_scores(session, utcnow(), registration_id=registration_id,
                             ids=list(ids) or None)
    click.echo(f"{count} score{'' if count == 1 else 's'} due now; a running worker sends "
               f"{'it' if count == 1 else 'them'}.")
