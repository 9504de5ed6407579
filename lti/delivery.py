"""Delivering the score outbox to the gradebooks: never lost, never doubled, in order.

A worker claims a batch of due rows in one short transaction (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL; on SQLite the write transaction begins with ``BEGIN IMMEDIATE``), taking for each
learner and link only the oldest pending score, so that one learner's scores on one link go out
one at a time and in order. The claim is a lease (``claimed_by``, ``lease_expires_at``, and
``attempts`` as its token): a worker that dies leaves rows that the next one takes once the
lease has passed. Scores are sent outside any transaction, by a small thread pool with a few
requests at once per registration, and each outcome is recorded in a short transaction that
changes the row only if it is still this claim's. A superseded row is never claimed.
"""

from __future__ import annotations

import random
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ALL_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import requests
from flask import Flask
from requests.adapters import HTTPAdapter
from sqlalchemy import exists, or_, select, tuple_, update
from sqlalchemy.orm import Session, aliased

from curriculum.db import Database, relax_durability, utcnow
from curriculum.jobs.registry import get_registry
from lti.ags import Answer, Timeout, Verdict, post_score, score_body
from lti.lineitems import LineItemResolver, token_answer
from lti.models import LineItem as LineItemRow
from lti.models import LmsContext, LmsUser, OutgoingScore, Registration, ResourceLink, ScoreState
from lti.outbox import SCORE_SCOPE
from lti.registrations import HTTP_TIMEOUT
from lti.service_tokens import TokenRefused, access_token, forget_token
from packages.models import Package

Clock = Callable[[], datetime]
POLLER = "lti.scores"
#: Seconds between the short transactions that record a batch's outcomes as they come in.
RECORD_EVERY = 0.05


@dataclass(frozen=True)
class OutboxSettings:
    """How the outbox is delivered (``OUTBOX_*`` in the configuration)."""

    batch_size: int = 50
    threads: int = 8
    per_registration: int = 4
    lease: timedelta = timedelta(seconds=300)
    retry_base: float = 10.0
    retry_max: float = 3600.0
    retry_window: timedelta = timedelta(hours=48)
    rate_limit_wait: float = 30.0
    timeout: Timeout = HTTP_TIMEOUT

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> OutboxSettings:
        """The settings an app's configuration gives."""
        timeout = config.get("OUTBOX_HTTP_TIMEOUT")
        if isinstance(timeout, list | tuple):
            timeout = (float(timeout[0]), float(timeout[1]))
        return cls(
            batch_size=int(config["OUTBOX_BATCH_SIZE"]), threads=int(config["OUTBOX_THREADS"]),
            per_registration=int(config["OUTBOX_PER_REGISTRATION"]),
            lease=timedelta(seconds=float(config["OUTBOX_LEASE_SECONDS"])),
            retry_base=float(config["OUTBOX_RETRY_BASE_SECONDS"]),
            retry_max=float(config["OUTBOX_RETRY_MAX_SECONDS"]),
            retry_window=timedelta(hours=float(config["OUTBOX_RETRY_WINDOW_HOURS"])),
            rate_limit_wait=float(config["OUTBOX_RATE_LIMIT_SECONDS"]),
            timeout=HTTP_TIMEOUT if timeout is None else timeout)


@dataclass(frozen=True)
class ClaimedScore:
    """An outbox row a worker holds, with everything needed to send it."""

    id: int
    attempts: int
    worker: str
    registration_id: int
    link_pk: int
    link_id: str
    link_title: str | None
    resource_id: str | None
    lineitem_url: str | None
    lineitems_url: str | None
    scopes: frozenset[str]
    score_maximum: float | None
    user_sub: str
    progress: float
    activity_progress: str
    grading_progress: str
    timestamp: datetime
    failing_since: datetime | None
    failures: int


# Claiming and recording (short transactions) ------------------------------------------------


def claim_due(session: Session, worker: str, now: datetime, *, limit: int,
              lease: timedelta) -> list[ClaimedScore]:
    """Take up to ``limit`` due rows: pending, due, not leased (or the lease has passed), and
    the oldest pending row of their learner and link (flushed, not committed)."""
    older = aliased(OutgoingScore)
    waits_for_older = exists().where(
        older.resource_link_id == OutgoingScore.resource_link_id,
        older.user_id == OutgoingScore.user_id, older.state == ScoreState.PENDING,
        older.id < OutgoingScore.id)
    ids = list(session.scalars(
        select(OutgoingScore.id).where(
            OutgoingScore.state == ScoreState.PENDING, OutgoingScore.next_attempt_at <= now,
            or_(OutgoingScore.lease_expires_at.is_(None), OutgoingScore.lease_expires_at < now),
            ~waits_for_older)
        .order_by(OutgoingScore.next_attempt_at, OutgoingScore.id).limit(limit)
        .with_for_update(skip_locked=True, of=OutgoingScore)))
    if not ids:
        return []
    session.execute(update(OutgoingScore).where(OutgoingScore.id.in_(ids)).values(
        attempts=OutgoingScore.attempts + 1, claimed_by=worker, lease_expires_at=now + lease,
        last_attempt_at=now))
    rows = session.execute(
        select(OutgoingScore, ResourceLink, LmsUser.sub, LmsContext.lineitems_url,
               Package.slug)
        .join(ResourceLink, ResourceLink.id == OutgoingScore.resource_link_id)
        .join(LmsUser, LmsUser.id == OutgoingScore.user_id)
        .outerjoin(LmsContext, LmsContext.id == ResourceLink.context_id)
        .outerjoin(Package, Package.id == ResourceLink.package_id)
        .where(OutgoingScore.id.in_(ids)).order_by(OutgoingScore.id)
        .execution_options(populate_existing=True)).all()
    maxima: dict[tuple[int, str | None], float] = {
        (item.resource_link_id, item.url): item.score_maximum
              for item in session.scalars(select(LineItemRow).where(
                  LineItemRow.resource_link_id.in_({link.id for _, link, *_ in rows})))}
    return [ClaimedScore(
        id=score.id, attempts=score.attempts, worker=worker,
        registration_id=score.registration_id, link_pk=link.id,
        link_id=link.resource_link_id, link_title=link.title,
        resource_id=link.module_slug or slug, lineitem_url=link.lineitem_url,
        lineitems_url=lineitems_url, scopes=frozenset(link.ags_scopes or ()),
        score_maximum=maxima.get((link.id, link.lineitem_url)), user_sub=sub,
        progress=score.progress, activity_progress=score.activity_progress,
        grading_progress=score.grading_progress, timestamp=score.timestamp,
        failing_since=score.failing_since, failures=score.failures)
        for score, link, sub, lineitems_url, slug in rows]


def record_deliveries(session: Session, delivered: list[tuple[ClaimedScore, Answer]],
                      now: datetime) -> int:
    """Mark delivered rows, those still their claim's, in one statement per distinct answer
    (most batches: one); how many were marked."""
    groups: defaultdict[tuple[int | None, str, str], list[tuple[int, int]]] = defaultdict(list)
    for claim, answer in delivered:
        groups[(answer.status, answer.text[:2000], claim.worker)].append(
            (claim.id, claim.attempts))
    marked = 0
    for (status, text, worker), keys in groups.items():
        result = session.execute(update(OutgoingScore).where(
            tuple_(OutgoingScore.id, OutgoingScore.attempts).in_(keys),
            OutgoingScore.state == ScoreState.PENDING, OutgoingScore.claimed_by == worker,
        ).values(state=ScoreState.DELIVERED, delivered_at=now, lease_expires_at=None,
                 last_status=status, last_answer=text or None))
        marked += int(result.rowcount)  # type: ignore[attr-defined]
    return marked


def record_outcome(session: Session, claim: ClaimedScore, answer: Answer, now: datetime,
                   settings: OutboxSettings, rng: random.Random | None = None) -> bool:
    """Write what became of a claimed row, if it is still this claim's; whether it was."""
    values: dict[str, Any] = {"lease_expires_at": None, "last_status": answer.status,
                              "last_answer": answer.text[:2000] or None}
    if answer.verdict == Verdict.DELIVERED:
        values.update(state=ScoreState.DELIVERED, delivered_at=now)
    elif answer.verdict == Verdict.RATE_LIMITED:
        wait_for = answer.retry_after if answer.retry_after is not None \
            else settings.rate_limit_wait
        values.update(next_attempt_at=now + timedelta(seconds=wait_for))
    else:
        failures = claim.failures + 1
        since = claim.failing_since or now
        cap = min(settings.retry_max, settings.retry_base * 2 ** (failures - 1))
        delay = max(1.0, (rng or random).uniform(0, cap))  # full jitter
        values.update(failures=failures, failing_since=since,
                      next_attempt_at=now + timedelta(seconds=delay))
        if now - since >= settings.retry_window:
            values.update(state=ScoreState.FAILED)
    result = session.execute(update(OutgoingScore).where(
        OutgoingScore.id == claim.id, OutgoingScore.state == ScoreState.PENDING,
        OutgoingScore.claimed_by == claim.worker,
        OutgoingScore.attempts == claim.attempts).values(**values))
    return bool(result.rowcount)  # type: ignore[attr-defined]


# Sending ------------------------------------------------------------------------------------


class ScoreDelivery:
    """Delivers the outbox of one app's database, one batch per :meth:`run_once`.

    ``clock`` and ``rng`` are injectable so that tests move time instead of sleeping; ``http``
    is the ``requests`` session every call goes through.
    """

    def __init__(self, database: Database, settings: OutboxSettings, *, worker: str,
                 clock: Clock = utcnow, http: requests.Session | None = None,
                 rng: random.Random | None = None) -> None:
        self.database = database
        self.settings = settings
        self.worker = worker
        self.clock = clock
        self.rng = rng or random.Random()
        self.http = http or _http_session(settings.threads)
        self._pool: ThreadPoolExecutor | None = None
        self._lanes: dict[int, threading.Semaphore] = defaultdict(
            lambda: threading.Semaphore(settings.per_registration))
        self._throttled: dict[int, Answer] = {}

    def close(self) -> None:
        """Stop the thread pool."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def run_once(self) -> int:
        """Claim one batch of due scores and deliver it; how many rows it handled."""
        now = self.clock()
        with self.database.transaction() as session:
            claims = claim_due(session, self.worker, now, limit=self.settings.batch_size,
                               lease=self.settings.lease)
        if not claims:
            return 0
        self._throttled = {}
        resolver = LineItemResolver(self.database, self.http, self.settings.timeout, now)
        ready, unresolved = resolver.resolve(claims)
        self._record(unresolved)
        retry = self._send_round(ready, first=True)
        if retry:
            self._send_round(retry, first=False)
        return len(claims)

    def _send_round(self, claims: list[ClaimedScore], *, first: bool) -> list[ClaimedScore]:
        """Send ``claims`` (their tokens first); the ones to send again after a 401."""
        tokens, refused = self._tokens({claim.registration_id for claim in claims}, fresh=not first)
        self._record([(claim, refused[claim.registration_id]) for claim in claims
                      if claim.registration_id in refused])
        pool = self._pool or ThreadPoolExecutor(self.settings.threads, "score-delivery")
        self._pool = pool
        pending: dict[Future[Answer], ClaimedScore] = {
            pool.submit(self._send, claim, tokens[claim.registration_id]): claim
            for claim in claims if claim.registration_id in tokens}
        again: list[ClaimedScore] = []
        while pending:
            # Outcomes are recorded together every few dozen milliseconds, not one by one.
            done, _ = wait(pending, timeout=RECORD_EVERY, return_when=ALL_COMPLETED)
            if not done:
                continue
            finished = [(pending.pop(future), future.result()) for future in done]
            if first:
                again += [claim for claim, answer in finished
                          if answer.verdict == Verdict.UNAUTHORIZED]
                finished = [(c, a) for c, a in finished if a.verdict != Verdict.UNAUTHORIZED]
            self._record(finished)
        for registration_id in {claim.registration_id for claim in again}:
            forget_token(registration_id, [SCORE_SCOPE])
        return again

    def _tokens(self, registration_ids: Iterable[int], *, fresh: bool
                ) -> tuple[dict[int, str], dict[int, Answer]]:
        """A score token per registration, or the answer that explains why there is none."""
        tokens: dict[int, str] = {}
        refused: dict[int, Answer] = {}
        session = self.database.new_session(write=False)
        try:
            for registration_id in registration_ids:
                registration = session.get(Registration, registration_id)
                if registration is None:
                    continue
                try:
                    tokens[registration_id] = access_token(session, registration, [SCORE_SCOPE],
                                                           http=self.http)
                except TokenRefused as error:
                    refused[registration_id] = token_answer(error)
        finally:
            session.close()
        return tokens, refused

    def _send(self, claim: ClaimedScore, token: str) -> Answer:
        """POST one score (in a pool thread: HTTP only, no database)."""
        held = self._throttled.get(claim.registration_id)
        if held is not None:
            return replace(held, text="Not sent: the platform asked to slow down. " + held.text)
        assert claim.lineitem_url is not None
        body = score_body(user_sub=claim.user_sub, progress=claim.progress,
                          score_maximum=claim.score_maximum or 100.0,
                          activity_progress=claim.activity_progress,
                          grading_progress=claim.grading_progress, timestamp=claim.timestamp)
        with self._lanes[claim.registration_id]:
            answer = post_score(self.http, token, claim.lineitem_url, body,
                                timeout=self.settings.timeout, now=self.clock())
        if answer.verdict == Verdict.RATE_LIMITED:
            self._throttled[claim.registration_id] = answer
        return answer

    def _record(self, outcomes: list[tuple[ClaimedScore, Answer]]) -> None:
        if not outcomes:
            return
        now = self.clock()
        with self.database.transaction() as session:
            # A lost outcome only means the row is sent again after its lease, and a score
            # the platform already holds is answered as delivered: no need to wait for the disk.
            relax_durability(session)
            record_deliveries(session, [(c, a) for c, a in outcomes
                                        if a.verdict == Verdict.DELIVERED], now)
            for claim, answer in outcomes:
                if answer.verdict != Verdict.DELIVERED:
                    record_outcome(session, claim, answer, now, self.settings, self.rng)


def _http_session(threads: int) -> requests.Session:
    http = requests.Session()
    adapter = HTTPAdapter(pool_connections=16, pool_maxsize=max(threads, 10))
    http.mount("http://", adapter)
    http.mount("https://", adapter)
    return http


# The worker's poller ------------------------------------------------------------------------


def init_app(app: Flask) -> None:
    """Give the app's workers the outbox: each turn of a worker delivers one batch."""
    deliveries: dict[str, ScoreDelivery] = {}

    def deliver_due_scores(worker: str) -> int:
        delivery = deliveries.get(worker)
        if delivery is None:
            delivery = deliveries[worker] = ScoreDelivery(
                app.extensions["database"], OutboxSettings.from_config(app.config),
                worker=worker)
        return delivery.run_once()

    def close() -> None:
        for delivery in deliveries.values():
            delivery.close()
        deliveries.clear()

    registry = get_registry(app)
    registry.add_poller(POLLER, deliver_due_scores)
    registry.on_stop(close)
