"""The syllabus jobs exports gives the worker: render a version's syllabi ahead of requests.

Publishing a version enqueues its six languages (in the publishing transaction); storing or
removing a translation enqueues the newest versions' syllabi in its language; a worker
that starts enqueues the newest version of every package whose syllabi the current template
revision has not rendered; a request for a very large package's syllabus enqueues that one.
Each job renders one language in the worker's render process (:mod:`exports.rendering`).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app
from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from curriculum.jobs.queue import enqueue
from curriculum.jobs.registry import JobKind, PermanentJobError, get_registry
from exports.models import RenderedSyllabus
from exports.rendering import RenderProcess
from exports.services import check_syllabus_language, render_syllabus_pdf
from exports.syllabus import SYLLABUS_LANGUAGES, catalogue_url, template_revision
from packages.events import translations_changed, version_published
from packages.models import Package, PackageVersion

RENDER_SYLLABUS = "exports.render_syllabus"
RENDERER = "exports.render_process"


def enqueue_syllabus(session: Session, version_id: int, lang: str, *,
                     requeue: bool = False) -> None:
    """Have the worker render one syllabus with the current templates (once per revision;
    ``requeue`` also queues again one that was rendered or gave up before)."""
    revision = template_revision()
    enqueue(session, RENDER_SYLLABUS, {"version_id": version_id, "lang": lang},
            key=f"{version_id}:{lang}:{revision}", requeue=requeue)


def enqueue_version_syllabi(session: Session, version_id: int) -> None:
    """Have the worker render a version's syllabi in every language."""
    for lang in SYLLABUS_LANGUAGES:
        enqueue_syllabus(session, version_id, lang)


def enqueue_missing_syllabi(session: Session) -> int:
    """Enqueue the syllabi of each package's newest version that the current template
    revision has not rendered (a worker runs this when it starts); returns how many."""
    newest = select(PackageVersion.id).join(Package, and_(
        Package.id == PackageVersion.package_id,
        Package.latest_version_number == PackageVersion.number))
    rendered = {(version_id, lang) for version_id, lang in session.execute(
        select(RenderedSyllabus.package_version_id, RenderedSyllabus.lang).where(
            RenderedSyllabus.template_revision == template_revision(),
            RenderedSyllabus.package_version_id.in_(newest)))}
    missing = [(version_id, lang) for version_id in session.scalars(newest)
               for lang in SYLLABUS_LANGUAGES if (version_id, lang) not in rendered]
    for version_id, lang in missing:
        enqueue_syllabus(session, version_id, lang, requeue=True)
    return len(missing)


def render_syllabus_job(session: Session, payload: dict[str, Any]) -> None:
    """The job: render one syllabus into the cache, unless it is there already."""
    version = session.get(PackageVersion, payload["version_id"])
    if version is None:
        raise PermanentJobError(f"Package version {payload['version_id']} no longer exists.")
    lang = check_syllabus_language(payload["lang"])
    render_syllabus_pdf(
        session, version, lang, renderer=render_process(current_app),
        catalogue_url=catalogue_url(current_app.config["BASE_URL"], version.package.slug))


def render_process(app: Flask) -> RenderProcess:
    """The worker's render process (made on first use, as the configuration says)."""
    process = app.extensions.get(RENDERER)
    if process is None:
        process = RenderProcess(
            renders_per_process=int(app.config["SYLLABUS_RENDERS_PER_PROCESS"]),
            timeout=float(app.config["SYLLABUS_RENDER_TIMEOUT_SECONDS"]))
        app.extensions[RENDERER] = process
    assert isinstance(process, RenderProcess)
    return process


def close_render_process() -> None:
    """Stop the worker's render process (a worker's stop hook)."""
    process = current_app.extensions.pop(RENDERER, None)
    if process is not None:
        process.close()


def _on_version_published(session: Session, *, version: PackageVersion,
                          **_extra: Any) -> None:
    enqueue_version_syllabi(session, version.id)


def _on_translations_changed(session: Session, *, package_ids: list[int], lang: str,
                             **_extra: Any) -> None:
    newest = session.scalars(select(PackageVersion.id).join(Package, and_(
        Package.id == PackageVersion.package_id,
        Package.latest_version_number == PackageVersion.number)).where(
        Package.id.in_(package_ids)))
    for version_id in newest:
        enqueue_syllabus(session, version_id, lang, requeue=True)


def init_app(app: Flask) -> None:
    """Give the app's worker the syllabus jobs, and enqueue them when versions are published."""
    timeout = float(app.config["SYLLABUS_RENDER_TIMEOUT_SECONDS"])
    registry = get_registry(app)
    registry.add_kind(JobKind(
        RENDER_SYLLABUS, render_syllabus_job,
        max_attempts=int(app.config["SYLLABUS_RENDER_ATTEMPTS"]),
        # A render is killed at its timeout; the lease only has to outlast that.
        lease_seconds=timeout + 120, retry_seconds=float(app.config["JOBS_RETRY_SECONDS"])))
    registry.on_start(enqueue_missing_syllabi)
    registry.on_stop(close_render_process)
    version_published.connect(_on_version_published)
    translations_changed.connect(_on_translations_changed)
