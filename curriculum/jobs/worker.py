"""The worker: one process that takes jobs from the database and runs them, one at a time,
and runs the parts' pollers (the score outbox) on every turn of its loop.

Each job runs in three short transactions: the claim (with a lease), the handler's work, and
the outcome. A worker that dies between them leaves a ``running`` job whose lease expires;
the next worker to look takes it again. A stop request (SIGTERM, SIGINT) lets the job in hand
finish, then the worker runs the parts' stop hooks and exits.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from types import FrameType

from flask import Flask

from curriculum.db import get_database
from curriculum.jobs.queue import Claim, claim_next, forget_finished, mark_done, mark_failed
from curriculum.jobs.registry import JobRegistry, PermanentJobError, get_registry

log = logging.getLogger(__name__)


class Worker:
    """Runs the registered jobs of ``app`` until stopped (or, ``once``, until none is due)."""

    def __init__(self, app: Flask, *, poll_seconds: float | None = None,
                 name: str | None = None) -> None:
        self.app = app
        self.registry: JobRegistry = get_registry(app)
        self.poll_seconds = float(poll_seconds if poll_seconds is not None
                                  else app.config["WORKER_POLL_SECONDS"])
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._stopping = threading.Event()
        self.jobs_run = 0
        self.polled = 0

    def stop(self) -> None:
        """Ask the worker to stop after the job in hand."""
        self._stopping.set()

    @property
    def stopping(self) -> bool:
        """Whether a stop was asked for."""
        return self._stopping.is_set()

    def run(self, *, once: bool = False) -> int:
        """Run the start hooks, then jobs and pollers until stopped (``once``: until neither
        has anything due); returns how many jobs ran."""
        with self.app.app_context():
            try:
                self._start()
                while not self.stopping:
                    ran = self.run_one()
                    if self.poll() or ran:
                        continue
                    if once:
                        break
                    self._stopping.wait(self.poll_seconds)
            finally:
                self._stop_hooks()
        return self.jobs_run

    def poll(self) -> int:
        """Run every poller once; how much they did in all. A poller that fails is logged and
        counts as having done nothing (the worker must go on with the others)."""
        done = 0
        for name, poller in self.registry.pollers.items():
            if self.stopping:
                break
            try:
                done += poller(self.name)
            except Exception:
                log.exception("Poller %s failed", name)
        self.polled += done
        return done

    def _start(self) -> None:
        database = get_database()
        keep = timedelta(days=float(self.app.config["JOBS_KEEP_DONE_DAYS"]))
        with database.transaction() as session:
            forgotten = forget_finished(session, keep)
        for hook in self.registry.start_hooks:
            with database.transaction() as session:
                hook(session)
        log.info("Worker %s started (%s); %d finished jobs forgotten", self.name,
                 ", ".join([*self.registry.kinds, *self.registry.pollers]) or "no job kinds",
                 forgotten)

    def _stop_hooks(self) -> None:
        for hook in self.registry.stop_hooks:
            try:
                hook()
            except Exception:
                log.exception("A worker stop hook failed")
        log.info("Worker %s stopped after %d jobs (pollers did %d)", self.name, self.jobs_run,
                 self.polled)

    def run_one(self) -> bool:
        """Claim and run the next due job; ``False`` if there was none."""
        database = get_database()
        lease = {name: kind.lease_seconds for name, kind in self.registry.kinds.items()}
        with database.transaction() as session:
            claim = claim_next(session, list(self.registry.kinds), self.name, lease)
        if claim is None:
            return False
        self.jobs_run += 1
        kind = self.registry.kinds[claim.kind]
        if claim.attempts > kind.max_attempts:
            # Its earlier workers died with it (leases expired): do not try forever.
            self._finish(claim, f"Gave up after {kind.max_attempts} attempts whose workers "
                                "stopped before finishing (their leases expired).", None)
            return True
        started = time.perf_counter()
        try:
            with database.transaction() as session:
                kind.handler(session, claim.payload)
        except PermanentJobError as error:
            self._finish(claim, str(error), None)
        except Exception as error:
            message = f"{type(error).__name__}: {error}"
            self._finish(claim, message, kind.retry_in(claim.attempts))
        else:
            with database.transaction() as session:
                mark_done(session, claim)
            log.info("Job %d (%s) done in %.2f s", claim.id, claim.kind,
                     time.perf_counter() - started)
        return True

    def _finish(self, claim: Claim, message: str, retry_in: float | None) -> None:
        with get_database().transaction() as session:
            mark_failed(session, claim, message, retry_in=retry_in)
        if retry_in is None:
            log.error("Job %d (%s) failed for good after %d attempts: %s", claim.id,
                      claim.kind, claim.attempts, message)
        else:
            log.warning("Job %d (%s) attempt %d failed, retrying in %.0f s: %s", claim.id,
                        claim.kind, claim.attempts, retry_in, message)


@contextmanager
def stopping_on_signals(worker: Worker) -> Iterator[None]:
    """Within the block, SIGTERM and SIGINT ask ``worker`` to stop (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def ask_to_stop(signum: int, _frame: FrameType | None) -> None:
        log.info("Worker %s: %s received, stopping after the job in hand", worker.name,
                 signal.Signals(signum).name)
        worker.stop()

    previous = {signum: signal.signal(signum, ask_to_stop)
                for signum in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
