"""A learner's progress on a placed link: opening and completing modules, the link's completion
by the rule of the version it points at, and the score each change queues for the gradebook.

Every change locks the learner's row of the link first, so two tabs or a double click make one
record and one score, and two modules completed at once from two tabs count both.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from curriculum.db import dialect_insert, insert_unless_present, utcnow
from curriculum.errors import NotFound
from lti.models import LaunchSession, ModuleProgress, ResourceLinkUser
from lti.outbox import queue_score
from lti.pages import LaunchedContent
from packages.snapshot import snapshot_items

#: How a module is completed when its rule says nothing (older snapshots).
MARKED = "marked"
OPENED = "opened"


@dataclass(frozen=True)
class ModuleState:
    """One module of the link as the learner sees it."""

    slug: str
    title: str
    section: str | None
    required: bool
    completed_when: str
    module: dict[str, Any]
    opened_at: datetime | None = None
    completed_at: datetime | None = None

    @property
    def status(self) -> str:
        """``completed``, ``started`` or ``not_started``."""
        if self.completed_at is not None:
            return "completed"
        return "started" if self.opened_at is not None else "not_started"


@dataclass(frozen=True)
class Progress:
    """Where a learner is on a link: each module, what the rule asks, and the share done."""

    modules: list[ModuleState]
    rule: dict[str, Any]
    completed_at: datetime | None

    @property
    def counted(self) -> list[ModuleState]:
        """The modules the completion rule counts (the required ones, or all of them)."""
        if self.rule["kind"] == "at_least":
            return self.modules
        return [state for state in self.modules if state.required] or self.modules

    @property
    def needed(self) -> int:
        """How many counted modules must be completed."""
        if self.rule["kind"] == "at_least":
            return min(int(self.rule["count"] or 1), len(self.modules)) or 1
        return len(self.counted) or 1

    @property
    def done(self) -> int:
        """How many counted modules are completed (never more than needed)."""
        return min(sum(1 for s in self.counted if s.completed_at is not None), self.needed)

    @property
    def share(self) -> float:
        """The completed share of what the rule asks, 0..1: the score sent to the LMS."""
        return self.done / self.needed

    @property
    def complete(self) -> bool:
        """Whether the rule is met."""
        return self.done >= self.needed

    @property
    def next_module(self) -> ModuleState | None:
        """Where "continue" goes: the first module not completed after the one opened last,
        else the first not completed at all."""
        opened = [s for s in self.modules if s.opened_at is not None]
        start = 0
        if opened:
            last = max(opened, key=lambda s: s.opened_at or datetime.min)
            start = self.modules.index(last)
        for state in self.modules[start:] + self.modules[:start]:
            if state.completed_at is None:
                return state
        return None

    def module(self, slug: str) -> ModuleState:
        """The module ``slug`` of this link, or :class:`NotFound`."""
        for state in self.modules:
            if state.slug == slug:
                return state
        raise NotFound(f"This activity has no module '{slug}'.")


def _module_states(content: LaunchedContent) -> list[ModuleState]:
    if content.module is not None:
        return [_state(content.module, None, True)]
    sections = content.package["sections"]
    return [_state(item["module"], sections[section]["title"], bool(item["required"]))
            for section, _, item in snapshot_items(content.package)]


def _state(module: dict[str, Any], section: str | None, required: bool) -> ModuleState:
    return ModuleState(slug=module["slug"], title=module["title"], section=section,
                       required=required, module=module,
                       completed_when=module.get("completed_when") or MARKED)


def _rule(content: LaunchedContent) -> dict[str, Any]:
    if content.module is not None:
        return {"kind": "all_required", "count": None}
    return dict(content.package["completion_rule"])


def blank_progress(content: LaunchedContent) -> Progress:
    """The link's modules and rule with nothing done (a row of the trainer's table starts so)."""
    return Progress(modules=_module_states(content), rule=_rule(content), completed_at=None)


def progress_of(session: Session, launch: LaunchSession, content: LaunchedContent,
                link_user: ResourceLinkUser | None = None) -> Progress:
    """The learner's progress on the launch's link (two queries; one when the learner's row
    of the link is given)."""
    rows = {row.module_slug: row for row in session.scalars(select(ModuleProgress).where(
        ModuleProgress.resource_link_id == launch.resource_link_id,
        ModuleProgress.user_id == launch.user_id))}
    if link_user is None:
        link_user = _link_user(session, launch)
    states = []
    for state in _module_states(content):
        row = rows.get(state.slug)
        states.append(state if row is None else replace(
            state, opened_at=row.opened_at, completed_at=row.completed_at))
    return Progress(modules=states, rule=_rule(content),
                    completed_at=link_user.completed_at if link_user else None)


def _link_user(session: Session, launch: LaunchSession, *, lock: bool = False
               ) -> ResourceLinkUser | None:
    statement = select(ResourceLinkUser).where(
        ResourceLinkUser.resource_link_id == launch.resource_link_id,
        ResourceLinkUser.user_id == launch.user_id)
    if lock:
        statement = statement.with_for_update()
    return session.scalar(statement)


@dataclass(frozen=True)
class Change:
    """What a learner's action changed: the progress after it, and whether it completed the
    link just now (the caller issues the certificate)."""

    progress: Progress
    changed: bool
    completed_now: bool


def open_module(session: Session, launch: LaunchSession, content: LaunchedContent, slug: str
                ) -> Change:
    """The learner opens module ``slug``: recorded once, and completed when its rule says
    that opening it is enough."""
    state = progress_of(session, launch, content).module(slug)
    if state.completed_when == OPENED:
        return complete_module(session, launch, content, slug)
    _lock(session, launch)
    now = utcnow()
    if not _record_opening(session, launch, slug, now):
        session.execute(update(ModuleProgress).where(*_row_of(launch, slug))
                        .values(last_opened_at=now))
    return _unchanged(session, launch, content)


def complete_module(session: Session, launch: LaunchSession, content: LaunchedContent,
                    slug: str) -> Change:
    """The learner completes module ``slug`` (once: a second completion changes nothing).

    A completion that changes the share queues a score for the gradebook in this transaction.
    """
    blank_progress(content).module(slug)  # NotFound before anything is written
    link_user = _lock(session, launch)
    now = utcnow()
    if not _mark_completed(session, launch, slug, now):
        return Change(progress=progress_of(session, launch, content, link_user), changed=False,
                      completed_now=False)
    progress = progress_of(session, launch, content, link_user)
    completed_now = False
    if progress.complete and link_user.completed_at is None:
        link_user.completed_at = now
        completed_now = True
        progress = replace(progress, completed_at=now)
    queue_score(session, launch, link_user, share=progress.share, complete=progress.complete)
    return Change(progress=progress, changed=True, completed_now=completed_now)


def _unchanged(session: Session, launch: LaunchSession, content: LaunchedContent) -> Change:
    return Change(progress=progress_of(session, launch, content), changed=False,
                  completed_now=False)


def _lock(session: Session, launch: LaunchSession) -> ResourceLinkUser:
    """The learner's row of the link, locked until the transaction ends."""
    if launch.resource_link_id is None or launch.user_id is None:
        raise NotFound("This launch is not for a placed link.")
    link_user = _link_user(session, launch, lock=True)
    if link_user is None:  # every launch records it; only a deleted link loses it
        raise NotFound("This activity is no longer placed in the course.")
    return link_user


def _row_of(launch: LaunchSession, slug: str) -> tuple[Any, ...]:
    return (ModuleProgress.resource_link_id == launch.resource_link_id,
            ModuleProgress.user_id == launch.user_id, ModuleProgress.module_slug == slug)


def _mark_completed(session: Session, launch: LaunchSession, slug: str, now: datetime) -> bool:
    """The module's progress row, completed now unless it was before (one statement: an
    upsert whose update applies only to a row not yet completed); whether it changed."""
    insert = dialect_insert(session)(ModuleProgress).values(
        resource_link_id=launch.resource_link_id, user_id=launch.user_id, module_slug=slug,
        opened_at=now, last_opened_at=now, completed_at=now)
    statement = insert.on_conflict_do_update(
        index_elements=["resource_link_id", "user_id", "module_slug"],
        set_={"completed_at": now, "last_opened_at": now},
        where=ModuleProgress.completed_at.is_(None)).returning(ModuleProgress.id)
    return session.execute(statement).first() is not None


def _record_opening(session: Session, launch: LaunchSession, slug: str, now: datetime) -> bool:
    """A progress row for the module, made once; returns whether it was made now."""
    return insert_unless_present(session, ModuleProgress, {
        "resource_link_id": launch.resource_link_id, "user_id": launch.user_id,
        "module_slug": slug, "opened_at": now, "last_opened_at": now})
