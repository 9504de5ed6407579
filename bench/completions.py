"""Outbox benchmark: how long two ``curriculum worker`` processes take to drain queued scores
into a platform that answers each score in 5 ms.

The script

1. creates the PostgreSQL database ``curriculum_bench_completions`` (dropped at the end),
   migrates it and registers a benchmark platform whose token endpoint and AGS scores endpoint
   are a small threaded stand-in server in this process, on loopback (each score answered 200
   after ``--answer-ms``, 5 ms by default; the token endpoint accepts the tool's assertion);
2. queues ``--scores`` scores (10,000 by default) in bulk: one per learner and placed link,
   100 learners on each of ``scores / 100`` links, as a burst of completions would leave them;
3. starts ``--workers`` (2) ``curriculum worker`` processes and measures the time from their
   start until no score is pending (polling the database), repeated ``--runs`` times;
4. checks that the stand-in received every score exactly once.

5. records completions through HTTP: the app under gunicorn (2 workers) beside the outbox
   workers, learners whose launches are already recorded (their launch sessions are
   inserted: the launch has its own benchmark) POST "mark as complete" for each module of a
   demo package from ``--concurrency`` client threads, once the workers have rendered the
   demo's syllabi (a worker's first work after the demo is loaded); in the same run, the baseline
   ``GET /healthz``. Each completion writes the progress row and its outbox row in one
   commit. Reported: completions per second, p50/p99, and the ratio of the p50s.

Results go to bench/results/completions.json.

Usage: python bench/completions.py [--scores 10000] [--workers 2] [--runs 3] [--answer-ms 5]
                                   [--seconds 10] [--concurrency 4]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, insert, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DATABASE = "curriculum_bench_completions"
SCOPES = [f"https://purl.imsglobal.org/spec/lti-ags/scope/{s}" for s in ("lineitem", "score")]
PER_LINK = 100


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class StandIn(BaseHTTPRequestHandler):
    """The platform: a token endpoint and ``{lineitem}/scores`` answering after a delay."""

    delay = 0.005
    received: Counter[tuple[str, str]] = Counter()
    lock = threading.Lock()

    def log_message(self, *_args: Any) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        """A line item (the tool reads its maximum once per link)."""
        answer = json.dumps({"id": f"http://{self.headers['Host']}{self.path}",
                             "label": "Bench", "scoreMaximum": 100}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def do_POST(self) -> None:
        """Answer a token request or a score."""
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path.startswith("/token"):
            answer = json.dumps({"access_token": "bench", "token_type": "Bearer",
                                 "expires_in": 3600}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
        else:
            time.sleep(self.delay)
            score = json.loads(body)
            with self.lock:
                self.received[(self.path, score["userId"])] += 1
            answer = b""
            self.send_response(200)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)


def recreate_database() -> str:
    """A fresh benchmark database; returns its URL."""
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {DATABASE}"))
    admin.dispose()
    return ADMIN_URL.rsplit("/", 1)[0] + f"/{DATABASE}"


def drop_database() -> None:
    """Drop the benchmark database."""
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
    admin.dispose()


def arrange(url: str, platform: str, links: int) -> None:
    """Migrate, register the platform, and add the placed links and their learners."""
    from curriculum import migrate
    from curriculum.app import create_app
    from curriculum.db import get_database, make_engine
    from lti.models import LmsUser, ResourceLink
    from lti.registrations import create_partner, create_registration

    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    app = create_app({"DATABASE_URL": url})
    with app.app_context(), get_database().transaction() as session:
        partner = create_partner(session, {"name": "Bench partner"})
        registration = create_registration(session, partner, {
            "issuer": platform, "client_id": "bench", "auth_login_url": platform + "/auth",
            "auth_token_url": platform + "/token", "key_set": {"keys": []},
            "deployment_ids": ["1"]})
        deployment_id = registration.deployments[0].id
        session.execute(insert(LmsUser), [
            {"registration_id": registration.id, "sub": f"learner-{n}"} for n in range(PER_LINK)])
        session.execute(insert(ResourceLink), [
            {"registration_id": registration.id, "deployment_id": deployment_id,
             "resource_link_id": f"link-{n}", "ags_scopes": SCOPES,
             "lineitem_url": f"{platform}/lineitems/{n}/lineitem?type_id=1"}
            for n in range(links)])
    app.extensions["database"].engine.dispose()


def queue_scores(url: str, count: int) -> None:
    """Queue ``count`` due scores (one per learner and link)."""
    from lti.models import LmsUser, OutgoingScore, ResourceLink, ScoreState

    engine = create_engine(url)
    now = datetime.now(UTC)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM lti_outgoing_scores"))
        registration = connection.scalar(text("SELECT id FROM lti_registrations"))
        users = list(connection.scalars(select(LmsUser.id).order_by(LmsUser.id)))
        links = list(connection.scalars(select(ResourceLink.id).order_by(ResourceLink.id)))
        rows = [{"registration_id": registration, "resource_link_id": link, "user_id": user,
                 "progress": 0.5, "activity_progress": "InProgress",
                 "grading_progress": "FullyGraded", "timestamp": now + timedelta(seconds=1),
                 "state": ScoreState.PENDING.value, "attempts": 0, "failures": 0,
                 "next_attempt_at": now, "created_at": now}
                for link in links for user in users][:count]
        for start in range(0, len(rows), 2000):
            connection.execute(insert(OutgoingScore.__table__), rows[start:start + 2000])
        connection.execute(text("ANALYZE lti_outgoing_scores"))
    engine.dispose()


def pending(url: str) -> int:
    """How many scores are not delivered yet."""
    from lti.models import OutgoingScore, ScoreState

    engine = create_engine(url)
    with engine.connect() as connection:
        count = connection.scalar(select(func.count()).select_from(OutgoingScore).where(
            OutgoingScore.state != ScoreState.DELIVERED))
    engine.dispose()
    return int(count or 0)


def drain(url: str, workers: int, count: int) -> dict[str, Any]:
    """Start the workers, wait until the outbox is empty, stop them; the figures."""
    environment = {**os.environ, "DATABASE_URL": url, "CURRICULUM_WORKER_POLL_SECONDS": "0.2",
                   "DEMO_MODE": "0"}
    StandIn.received.clear()
    started = time.perf_counter()
    processes = [subprocess.Popen([sys.executable, "-m", "curriculum", "worker"],
                                  env=environment, stderr=subprocess.DEVNULL, cwd=ROOT)
                 for _ in range(workers)]
    try:
        left = count
        while left:
            time.sleep(0.1)
            left = pending(url)
            if time.perf_counter() - started > 600:
                raise RuntimeError(f"{left} scores still pending after 10 minutes")
        seconds = time.perf_counter() - started
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=60)
    posts = sum(StandIn.received.values())
    return {"seconds": round(seconds, 2), "scores_per_second": round(count / seconds, 1),
            "posts": posts, "sent_twice": sum(1 for n in StandIn.received.values() if n > 1)}


# Recording completions over HTTP -----------------------------------------------------------

COMPLETION_PACKAGE = "foundations-of-migration-governance"


def arrange_learners(url: str, learners: int) -> tuple[list[str], list[str]]:
    """Load the demo, place its foundations package, and record ``learners`` launches of it;
    returns their launch ids and the package's module slugs."""
    from curriculum.app import import_models
    from curriculum.db import Database, make_engine
    from lti.models import LaunchSession, LmsUser, ResourceLink, ResourceLinkUser
    from packages.demo.loader import load_demo
    from packages.models import Package, PackageVersion
    from packages.snapshot import snapshot_items

    import_models()
    database = Database(make_engine(url))
    with database.transaction() as session:
        load_demo(session)
        package = session.scalars(select(Package).where(
            Package.slug == COMPLETION_PACKAGE)).one()
        snapshot = session.scalars(select(PackageVersion.snapshot).where(
            PackageVersion.package_id == package.id,
            PackageVersion.number == package.latest_version_number)).one()
        modules = [item["module"]["slug"] for _, _, item in snapshot_items(snapshot)]
        link = session.scalars(select(ResourceLink).order_by(ResourceLink.id)).first()
        assert link is not None
        link.package_id = package.id
        users = list(session.scalars(select(LmsUser).order_by(LmsUser.id)))[:learners]
        now, ids = datetime.now(UTC), []
        for user in users:
            launch_id = secrets.token_urlsafe(32)
            ids.append(launch_id)
            session.add(ResourceLinkUser(resource_link_id=link.id, user_id=user.id,
                                         roles=[], first_launch_at=now, last_launch_at=now))
            session.add(LaunchSession(
                id=launch_id, registration_id=link.registration_id,
                deployment_id=link.deployment_id, user_id=user.id, resource_link_id=link.id,
                message_type="LtiResourceLinkRequest", roles=[], custom={},
                expires_at=now + timedelta(hours=8)))
    database.engine.dispose()
    return ids, modules


def percentile(values: list[float], share: float) -> float:
    """The ``share`` percentile (0..1) of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def drive(port: int, kind: str, seconds: float, work: list[tuple[str, str]],
          samples: list[float]) -> None:
    """One client thread: ``kind`` is ``baseline`` (GET /healthz) or ``complete`` (POST the
    (launch id, module) pairs of ``work``, in order, until they or the time run out)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    origin = f"http://127.0.0.1:{port}"
    deadline, index = time.perf_counter() + seconds, 0
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        if kind == "baseline":
            connection.request("GET", "/healthz")
            expected = 200
        else:
            if index >= len(work):
                break
            launch_id, module = work[index]
            index += 1
            connection.request("POST", f"/lti/launches/{launch_id}/modules/{module}/complete",
                               headers={"Origin": origin, "Content-Length": "0"})
            expected = 303
        answer = connection.getresponse()
        answer.read()
        assert answer.status == expected, (kind, answer.status)
        samples.append(time.perf_counter() - started)


def measure_completions(url: str, seconds: float, concurrency: int, workers: int,
                        launch_ids: list[str], modules: list[str]) -> dict[str, Any]:
    """Completions through gunicorn (2 workers, with the outbox workers running) against the
    baseline, in one run."""
    port = free_port()
    environment = {**os.environ, "DATABASE_URL": url, "BASE_URL": f"http://127.0.0.1:{port}",
                   "CURRICULUM_WORKER_POLL_SECONDS": "0.2", "DEMO_MODE": "0"}
    commands = [[sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}",
                 "--log-level", "warning", "curriculum.app:create_app()"]]
    commands += [[sys.executable, "-m", "curriculum", "worker"]] * workers
    processes = [subprocess.Popen(command, env=environment, cwd=ROOT,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                 for command in commands]
    try:
        _wait_for(port)
        _wait_for_jobs(url)  # the workers first render the demo's syllabi: not measured
        shares = [launch_ids[n::concurrency] for n in range(concurrency)]
        results: dict[str, Any] = {}
        for kind in ("baseline", "complete", "baseline"):
            samples: list[float] = []
            threads = [threading.Thread(target=drive, args=(
                port, kind, seconds,
                [(launch, module) for module in modules for launch in shares[n]], samples))
                for n in range(concurrency)]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - started
            results.setdefault(kind, []).append({
                "requests": len(samples), "per_second": round(len(samples) / elapsed, 1),
                "p50_ms": round(percentile(samples, 0.5) * 1000, 2),
                "p99_ms": round(percentile(samples, 0.99) * 1000, 2)})
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=60)
    baseline_p50 = min(run["p50_ms"] for run in results["baseline"])
    complete = results["complete"][0]
    return {"baseline": results["baseline"], "complete": complete,
            "ratio_p50": round(complete["p50_ms"] / baseline_p50, 2)}


def _wait_for_jobs(url: str) -> None:
    """Until the workers have no background job left (the syllabi of the demo's packages)."""
    engine = create_engine(url)
    deadline = time.time() + 900
    try:
        while time.time() < deadline:
            with engine.connect() as connection:
                left = connection.scalar(text(
                    "SELECT count(*) FROM jobs WHERE state IN ('queued', 'running')"))
            if not left:
                return
            time.sleep(1)
        raise RuntimeError("the workers did not finish their jobs")
    finally:
        engine.dispose()


def _wait_for(port: int) -> None:
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def main() -> None:
    """Run the benchmark and write bench/results/completions.json."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scores", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--answer-ms", type=float, default=5.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    StandIn.delay = args.answer_ms / 1000
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), StandIn)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    platform = f"http://127.0.0.1:{server.server_port}"
    url = recreate_database()
    try:
        arrange(url, platform, -(-args.scores // PER_LINK))
        runs = []
        for run in range(args.runs):
            queue_scores(url, args.scores)
            result = drain(url, args.workers, args.scores)
            runs.append(result)
            print(f"run {run + 1}: {args.scores} scores drained in {result['seconds']} s "
                  f"({result['scores_per_second']}/s), {result['posts']} POSTs, "
                  f"{result['sent_twice']} sent twice", flush=True)
        launch_ids, modules = arrange_learners(url, PER_LINK)
        completions = measure_completions(url, args.seconds, args.concurrency, args.workers,
                                          launch_ids, modules)
        print(f"completions: {completions['complete']['per_second']}/s, p50 "
              f"{completions['complete']['p50_ms']} ms (p99 {completions['complete']['p99_ms']}"
              f"); baseline p50 {[b['p50_ms'] for b in completions['baseline']]} ms; ratio "
              f"{completions['ratio_p50']} (target <= 2)", flush=True)
    finally:
        server.shutdown()
        drop_database()
    seconds = sorted(r["seconds"] for r in runs)
    summary = {"scores": args.scores, "workers": args.workers, "answer_ms": args.answer_ms,
               "median_seconds": seconds[len(seconds) // 2], "range": [seconds[0], seconds[-1]],
               "target_seconds": 60, "met": seconds[len(seconds) // 2] < 60,
               "load_average": os.getloadavg(), "runs": runs, "completions": completions,
               "at": datetime.now(UTC).isoformat(timespec="seconds")}
    out = ROOT / "bench" / "results" / "completions.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=2))
    print(f"median {summary['median_seconds']} s (range {seconds[0]}-{seconds[-1]}), "
          f"target < 60 s: {'met' if summary['met'] else 'NOT met'}; written to {out}")


if __name__ == "__main__":
    main()
