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

Results go to bench/results/completions.json. The completion half of the benchmark (requests
per second of a learner's "complete" POST against ``GET /healthz``) waits for the learner
route: see bench/README.md.

Usage: python bench/completions.py [--scores 10000] [--workers 2] [--runs 3] [--answer-ms 5]
"""

from __future__ import annotations

import argparse
import json
import os
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


def main() -> None:
    """Run the benchmark and write bench/results/completions.json."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scores", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--answer-ms", type=float, default=5.0)
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
    finally:
        server.shutdown()
        drop_database()
    seconds = sorted(r["seconds"] for r in runs)
    summary = {"scores": args.scores, "workers": args.workers, "answer_ms": args.answer_ms,
               "median_seconds": seconds[len(seconds) // 2], "range": [seconds[0], seconds[-1]],
               "target_seconds": 60, "met": seconds[len(seconds) // 2] < 60,
               "load_average": os.getloadavg(), "runs": runs,
               "at": datetime.now(UTC).isoformat(timespec="seconds")}
    out = ROOT / "bench" / "results" / "completions.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=2))
    print(f"median {summary['median_seconds']} s (range {seconds[0]}-{seconds[-1]}), "
          f"target < 60 s: {'met' if summary['met'] else 'NOT met'}; written to {out}")


if __name__ == "__main__":
    main()
