"""Syllabi rendered ahead of requests: publishing enqueues a version's six languages and the
worker renders them into the cache in a render process it replaces every N renders; a new
template revision renders anew; a very large package answers 202 until the worker is done;
a render whose process crashes is retried and then reported failed."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from curriculum.jobs.models import Job, JobState
from curriculum.jobs.registry import get_registry
from exports import jobs as export_jobs
from exports import services as export_services
from exports.jobs import RENDER_SYLLABUS, RENDERER, enqueue_syllabus
from exports.models import RenderedSyllabus
from exports.rendering import RenderProcess
from exports.syllabus import SYLLABUS_LANGUAGES, template_revision
from packages.models import Package, PackageVersion
from tests.exports import render_targets
from tests.exports.conftest import page_texts, pdf_reader
from tests.helpers import ApiClient, module_data, package_data

pytestmark = pytest.mark.usefixtures("no_stray_processes")


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    """Failed jobs are tried again at once (the worker's --once then sees every attempt)."""
    return {**app_config, "JOBS_RETRY_SECONDS": 0}


@pytest.fixture
def publish(api: ApiClient, publisher_api: ApiClient) -> Any:
    """Publish a package of two modules; returns its slug."""
    def publish(title: str = "Protection at the border") -> str:
        slugs = [api.post("/modules", module_data(f"{title}: module {n}")).get_json()["slug"]
                 for n in (1, 2)]
        slug = api.post("/packages", package_data(slugs, title=title)).get_json()["slug"]
        answer = publisher_api.post(f"/packages/{slug}/publish", {"change_note": "First."})
        assert answer.status_code == 201, answer.get_json()
        return slug
    return publish


def run_worker(runner: FlaskCliRunner) -> str:
    """``curriculum worker --once``; its output."""
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    return result.output


def version_of(session: Session, slug: str) -> PackageVersion:
    """The newest version of ``slug``."""
    return session.scalars(select(PackageVersion).join(Package).where(Package.slug == slug)
                           .order_by(PackageVersion.number.desc())).first()


def cached(session: Session) -> list[tuple[str, str]]:
    """The cached syllabi as (language, template revision)."""
    session.expire_all()
    return sorted((lang, revision) for lang, revision in session.execute(
        select(RenderedSyllabus.lang, RenderedSyllabus.template_revision)))


def syllabus_jobs(session: Session) -> list[Job]:
    """The syllabus jobs, oldest first."""
    session.expire_all()
    return list(session.scalars(select(Job).where(Job.kind == RENDER_SYLLABUS)
                                .order_by(Job.id)))


def test_publishing_enqueues_six_languages_that_the_worker_renders_into_the_cache(
        app: Flask, runner: FlaskCliRunner, client: FlaskClient, session: Session,
        publish: Any):
    slug = publish()
    version = version_of(session, slug)
    queued = syllabus_jobs(session)
    assert [(job.payload["lang"], job.state) for job in queued] == [
        (lang, JobState.QUEUED) for lang in SYLLABUS_LANGUAGES]
    assert all(job.payload["version_id"] == version.id for job in queued)
    assert cached(session) == []

    app.config["SYLLABUS_RENDERS_PER_PROCESS"] = 2
    render_process = export_jobs.render_process(app)
    assert "6 job runs." in run_worker(runner)

    revision = template_revision()
    assert cached(session) == sorted((lang, revision) for lang in SYLLABUS_LANGUAGES)
    assert {job.state for job in syllabus_jobs(session)} == {JobState.DONE}
    # Six renders, two per process: three processes, each stopped when the worker stopped.
    assert len(render_process.pids) == len(set(render_process.pids)) == 3
    assert render_process.pid is None and RENDERER not in app.extensions
    response = client.get(f"/packages/{slug}/syllabus.pdf", query_string={"lang": "fr"})
    assert response.status_code == 200
    assert "Protection at the border" in page_texts(pdf_reader(response.data))[0]


def test_a_new_template_revision_renders_the_newest_versions_anew_when_the_worker_starts(
        app: Flask, runner: FlaskCliRunner, session: Session, publish: Any,
        monkeypatch: pytest.MonkeyPatch):
    publish()
    run_worker(runner)
    assert "0 job runs." in run_worker(runner)  # nothing is missing: nothing to do
    for module in (export_jobs, export_services):
        monkeypatch.setattr(module, "template_revision", lambda: "redesigned")
    assert "6 job runs." in run_worker(runner)
    assert [lang for lang, revision in cached(session) if revision == "redesigned"] == sorted(
        SYLLABUS_LANGUAGES)
    assert len(cached(session)) == 12


def test_a_very_large_package_answers_202_until_the_worker_has_rendered_it(
        app: Flask, runner: FlaskCliRunner, client: FlaskClient, session: Session,
        publish: Any):
    slug = publish()
    # As if the worker had not been told of the publication, nor looked for missing syllabi.
    session.execute(delete(Job))
    session.commit()
    get_registry(app).start_hooks.clear()
    app.config["SYLLABUS_INLINE_MAX_MODULES"] = 1  # two modules are "very large" here
    url = f"/packages/{slug}/syllabus.pdf"

    waiting = client.get(url, headers={"Accept": "application/json"})
    assert waiting.status_code == 202
    assert int(waiting.headers["Retry-After"]) >= 5
    assert waiting.headers["Cache-Control"] == "no-store"
    body = waiting.get_json()
    assert body["status"] == "preparing" and body["url"] == url
    assert "is being prepared" in body["message"]
    page = client.get(url, headers={"Accept": "text/html"})
    assert page.status_code == 202 and "The syllabus is being prepared" in page.text
    assert f'<meta http-equiv="refresh" content="{waiting.headers["Retry-After"]}">' in page.text
    assert [job.payload["lang"] for job in syllabus_jobs(session)] == ["en"]  # asked once
    assert cached(session) == []

    assert "1 job run." in run_worker(runner)
    ready = client.get(url)
    assert ready.status_code == 200 and ready.mimetype == "application/pdf"
    assert ready.headers["ETag"]


def test_a_render_whose_process_crashes_is_retried_and_finally_reported_failed(
        app: Flask, runner: FlaskCliRunner, session: Session, publish: Any):
    slug = publish()
    session.execute(delete(Job))  # one job only: not the six of the publication
    enqueue_syllabus(session, version_of(session, slug).id, "ar")
    session.commit()
    get_registry(app).start_hooks.clear()
    crashing = RenderProcess(target=render_targets.crash)
    app.extensions[RENDERER] = crashing

    assert "3 job runs." in run_worker(runner)
    [job] = syllabus_jobs(session)
    assert (job.state, job.attempts) == (JobState.FAILED, 3)
    assert job.last_error == "RenderFailed: The render process died (killed by SIGKILL)."
    assert len(crashing.pids) == 3 and cached(session) == []
