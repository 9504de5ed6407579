"""The job kinds an app knows: each part adds its own when the app is built.

A part contributes a :class:`JobKind` (a name and a handler that takes a session and the
job's payload) and, if it needs them, hooks that run when a worker starts (to enqueue work
found missing) and when it stops (to release what it holds, such as a child process)::

    def init_app(app: Flask) -> None:
        registry = get_registry(app)
        registry.add_kind(JobKind("lti.score", deliver_score, max_attempts=12,
                                  lease_seconds=60, retry_seconds=5))
        registry.on_start(enqueue_missing_scores)

Work that lives in a part's own table (the score outbox) comes as a *poller* instead: a
callable the worker runs on every turn of its loop, that takes the worker's name, does what is
due and returns how much it did; the worker sleeps only when no job ran and every poller
returned 0::

        registry.add_poller("lti.scores", deliver_due_scores)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

#: ``handler(session, payload)``: does the work in the session's transaction (the worker
#: commits it), or raises to fail this attempt.
Handler = Callable[[Session, dict[str, Any]], None]
StartHook = Callable[[Session], object]
StopHook = Callable[[], None]
#: ``poller(worker_name)``: does the work that is due (its own transactions), returns how much.
Poller = Callable[[str], int]


class PermanentJobError(Exception):
    """A failure that no retry can mend (the job's subject is gone): fail it at once."""


@dataclass(frozen=True)
class JobKind:
    """What a kind of job does and how it is retried.

    ``lease_seconds`` must be longer than the handler ever runs: when it has passed without
    an outcome, the worker is taken for dead and another runs the job again. A failed attempt
    is retried after ``retry_seconds``, doubled each time, until ``max_attempts``.
    """

    name: str
    handler: Handler
    max_attempts: int = 3
    lease_seconds: float = 600.0
    retry_seconds: float = 30.0

    def retry_in(self, attempts: int) -> float | None:
        """Seconds until the next attempt after ``attempts`` failed ones, or ``None``."""
        if attempts >= self.max_attempts:
            return None
        return float(self.retry_seconds * 2 ** (attempts - 1))


@dataclass
class JobRegistry:
    """The kinds of job of one app, and the hooks of a worker's start and stop."""

    kinds: dict[str, JobKind] = field(default_factory=dict)
    start_hooks: list[StartHook] = field(default_factory=list)
    stop_hooks: list[StopHook] = field(default_factory=list)
    pollers: dict[str, Poller] = field(default_factory=dict)

    def add_kind(self, kind: JobKind) -> None:
        """Register ``kind`` (one handler per name)."""
        if kind.name in self.kinds and self.kinds[kind.name] != kind:
            raise ValueError(f"The job kind {kind.name!r} is already registered.")
        self.kinds[kind.name] = kind

    def add_poller(self, name: str, poller: Poller) -> None:
        """Run ``poller(worker_name)`` on every turn of a worker's loop (one per name)."""
        if name in self.pollers and self.pollers[name] != poller:
            raise ValueError(f"The poller {name!r} is already registered.")
        self.pollers[name] = poller

    def on_start(self, hook: StartHook) -> None:
        """Run ``hook(session)`` in a transaction each time a worker starts."""
        if hook not in self.start_hooks:
            self.start_hooks.append(hook)

    def on_stop(self, hook: StopHook) -> None:
        """Run ``hook()`` when a worker stops, even after an error."""
        if hook not in self.stop_hooks:
            self.stop_hooks.append(hook)


def init_app(app: Flask) -> JobRegistry:
    """Give ``app`` an empty registry for the parts to fill."""
    registry = JobRegistry()
    app.extensions["jobs"] = registry
    return registry


def get_registry(app: Flask) -> JobRegistry:
    """The job registry of ``app``."""
    registry: JobRegistry = app.extensions["jobs"]
    return registry
