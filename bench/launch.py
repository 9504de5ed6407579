"""Launch benchmark: complete LTI 1.3 login + launch round trips against gunicorn on PostgreSQL.

The script

1. creates the PostgreSQL database ``curriculum_bench_launch`` (dropped at the end), migrates
   it, loads the demo curriculum and registers a benchmark platform (its key set registered
   as a static key set, as ``platform add --key-set-file`` does);
2. serves it with gunicorn (2 sync workers) on a free loopback port;
3. drives it from a second process: each round trip is ``POST /lti/login`` (the tool stores
   state and nonce, answers the redirect to the platform), the platform's part (a signed
   id_token carrying that nonce, as Moodle would send it), and ``POST /lti/launch`` with the
   state cookie (signature, nonce use, upserts of user, course, link and roles, a launch
   session). In the same run it measures the baseline: ``GET /healthz``, the cheapest
   database-backed JSON endpoint of the app;
4. repeats at two sizes of stored data (few, then many registrations and users) to show that
   no per-launch work grows with them.

It prints launches per second, p50/p99 of a round trip and of each request, and the ratio of
a launch to the baseline; results go to bench/results/launch.json.

Usage: python bench/launch.py [--seconds 10] [--runs 3] [--concurrency 4]
                              [--stored 10,2000] [--drive URL ...]  (internal)
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import create_engine, insert, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DATABASE = "curriculum_bench_launch"
ISSUER = "https://moodle.bench.example.org"
CLIENT_ID = "benchclient0001"
PACKAGE = "foundations-of-migration-governance"
C = "https://purl.imsglobal.org/spec/lti/claim/"
NOW = datetime.now(UTC)


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def percentile(values: list[float], share: float) -> float:
    """The ``share`` percentile (0..1) of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


# Setting up -----------------------------------------------------------------------------


def recreate_database() -> str:
    """A fresh benchmark database; returns its URL."""
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {DATABASE}"))
    admin.dispose()
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{DATABASE}"


def drop_database() -> None:
    """Remove the benchmark database."""
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
    admin.dispose()


def prepare(url: str, public_jwk: dict[str, Any]) -> None:
    """Migrate, load the demo and register the benchmark platform."""
    from curriculum import migrate
    from curriculum.app import import_models
    from curriculum.db import Database, make_engine
    from lti.registrations import create_partner, create_registration
    from packages.demo.loader import load_demo

    import_models()
    engine = make_engine(url)
    migrate.upgrade(engine)
    with Database(engine).transaction() as session:
        load_demo(session)
        partner = create_partner(session, {"name": "Benchmark training centre"})
        create_registration(session, partner, {
            "issuer": ISSUER, "client_id": CLIENT_ID,
            "auth_login_url": f"{ISSUER}/mod/lti/auth.php",
            "key_set": {"keys": [public_jwk]}, "deployment_ids": ["1"]})
    engine.dispose()


def add_stored_data(url: str, first: int, registrations: int, users_per_registration: int
                    ) -> None:
    """Grow the tables a launch looks things up in (other platforms and their users)."""
    from lti.models import Deployment, LmsUser, Partner, Registration

    engine = create_engine(url)
    with engine.begin() as connection:
        partner_id = connection.execute(insert(Partner).values(
            slug=f"bulk-{uuid.uuid4().hex[:8]}", name="Bulk", kind="other",
            created_at=NOW).returning(Partner.id)).scalar_one()
        for index in range(first, first + registrations):
            registration_id = connection.execute(insert(Registration).values(
                partner_id=partner_id, name=f"Bulk {index}", issuer=f"https://lms{index}.example",
                client_id=f"client{index}", auth_login_url="https://lms.example/auth",
                active=True, created_at=NOW).returning(Registration.id)).scalar_one()
            connection.execute(insert(Deployment).values(
                registration_id=registration_id, deployment_id="1", active=True,
                created_at=NOW))
            connection.execute(insert(LmsUser), [
                {"registration_id": registration_id, "sub": str(n), "created_at": NOW}
                for n in range(users_per_registration)])
        connection.execute(text("ANALYZE"))
    engine.dispose()


@contextmanager
def gunicorn(url: str, port: int) -> Any:
    """The app under gunicorn with 2 sync workers."""
    environment = {**os.environ, "DATABASE_URL": url, "BASE_URL": f"http://127.0.0.1:{port}"}
    process = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}",
         "--log-level", "warning", "curriculum.app:create_app()"],
        cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not start")
        yield
    finally:
        process.terminate()
        process.wait(timeout=10)


# Driving (runs in a second process) -----------------------------------------------------


class Driver:
    """One thread's client: login + launch round trips, or baseline requests."""

    def __init__(self, port: int, key: rsa.RSAPrivateKey) -> None:
        self.port = port
        self.key = key

    def _request(self, connection: http.client.HTTPConnection, method: str, path: str,
                 body: dict[str, str] | None = None, cookie: str | None = None
                 ) -> http.client.HTTPResponse:
        headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
        if cookie:
            headers["Cookie"] = cookie
        connection.request(method, path, urlencode(body) if body else None, headers)
        response = connection.getresponse()
        response.read()
        return response

    def round_trip(self, connection: http.client.HTTPConnection, user: int
                   ) -> tuple[float, float]:
        """One login and one launch; returns their durations."""
        started = time.perf_counter()
        login = self._request(connection, "POST", "/lti/login", {
            "iss": ISSUER, "login_hint": str(user), "client_id": CLIENT_ID,
            "target_link_uri": f"http://127.0.0.1:{self.port}/lti/launch",
            "lti_deployment_id": "1"})
        login_done = time.perf_counter()
        assert login.status == 302, login.status
        query = parse_qs(urlparse(login.headers["Location"]).query)
        cookie = login.headers["Set-Cookie"].split(";", 1)[0]
        now = int(time.time())
        token = jwt.encode({
            "iss": ISSUER, "aud": CLIENT_ID, "sub": str(user), "iat": now, "exp": now + 60,
            "nonce": query["nonce"][0], "name": f"Learner {user}",
            C + "message_type": "LtiResourceLinkRequest", C + "version": "1.3.0",
            C + "deployment_id": "1", C + "target_link_uri": query["redirect_uri"][0],
            C + "resource_link": {"id": f"link-{user % 20}"},
            C + "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
            C + "context": {"id": "course-1", "title": "Bench course"},
            C + "custom": {"package": PACKAGE}}, self.key, algorithm="RS256",
            headers={"kid": "bench-key"})
        launch_started = time.perf_counter()
        launch = self._request(connection, "POST", "/lti/launch",
                               {"id_token": token, "state": query["state"][0]}, cookie)
        assert launch.status == 303, launch.status
        return login_done - started, time.perf_counter() - launch_started

    def run(self, kind: str, seconds: float, user_base: int, samples: dict[str, list[float]]
            ) -> None:
        """Repeat ``kind`` for ``seconds``."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        deadline, user = time.perf_counter() + seconds, user_base
        while time.perf_counter() < deadline:
            if kind == "baseline":
                started = time.perf_counter()
                assert self._request(connection, "GET", "/healthz").status == 200
                samples["baseline"].append(time.perf_counter() - started)
            else:
                login, launch = self.round_trip(connection, user)
                samples["login"].append(login)
                samples["launch"].append(launch)
                samples["round_trip"].append(login + launch)
                user += 1


def drive(port: int, kind: str, seconds: float, concurrency: int, key_pem: str) -> None:
    """Print the samples of ``concurrency`` threads doing ``kind`` for ``seconds``."""
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(key_pem.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    samples: dict[str, list[float]] = {"baseline": [], "login": [], "launch": [],
                                       "round_trip": []}
    threads = [threading.Thread(target=Driver(port, key).run,
                                args=(kind, seconds, 1_000_000 * (n + 1) + int(time.time()),
                                      samples)) for n in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(json.dumps({name: values for name, values in samples.items() if values}))


def measure(port: int, kind: str, seconds: float, concurrency: int, key_pem: str
            ) -> dict[str, list[float]]:
    """Run the driver in a second process and collect its samples."""
    output = subprocess.run(
        [sys.executable, __file__, "--drive", str(port), kind, str(seconds), str(concurrency)],
        input=key_pem, capture_output=True, text=True, check=True, cwd=ROOT).stdout
    samples: dict[str, list[float]] = json.loads(output)
    return samples


def summary(samples: dict[str, list[float]], seconds: float) -> dict[str, Any]:
    """Rates and percentiles in milliseconds."""
    result: dict[str, Any] = {}
    for name, values in samples.items():
        result[name] = {"count": len(values), "per_second": round(len(values) / seconds, 1),
                        "p50_ms": round(percentile(values, 0.5) * 1000, 2),
                        "p99_ms": round(percentile(values, 0.99) * 1000, 2)}
    return result


def main() -> None:
    """Set up, measure at each size, report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--stored", default="10,2000",
                        help="registrations stored besides the benchmark's (5 users each)")
    parser.add_argument("--drive", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.drive:
        port, kind, seconds, concurrency = args.drive
        drive(int(port), kind, float(seconds), int(concurrency), sys.stdin.read())
        return

    from cryptography.hazmat.primitives import serialization

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    public_jwk.update({"kid": "bench-key", "alg": "RS256"})
    url = recreate_database()
    report: dict[str, Any] = {"seconds": args.seconds, "concurrency": args.concurrency,
                              "sizes": {}}
    try:
        prepare(url, public_jwk)
        stored_so_far = 0
        for stored in (int(n) for n in args.stored.split(",")):
            add_stored_data(url, stored_so_far, stored - stored_so_far, 5)
            stored_so_far = stored
            port = free_port()
            runs = []
            with gunicorn(url, port):
                measure(port, "launch", 2, args.concurrency, key_pem)  # warm-up
                measure(port, "baseline", 2, args.concurrency, key_pem)
                for _ in range(args.runs):
                    run = summary(measure(port, "baseline", args.seconds, args.concurrency,
                                          key_pem), args.seconds)
                    run.update(summary(measure(port, "launch", args.seconds, args.concurrency,
                                               key_pem), args.seconds))
                    run["ratio_p50"] = round(run["round_trip"]["p50_ms"]
                                             / run["baseline"]["p50_ms"], 2)
                    runs.append(run)
            report["sizes"][stored] = runs
            print_size(stored, runs)
    finally:
        drop_database()
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "launch.json").write_text(json.dumps(report, indent=2))


def print_size(stored: int, runs: list[dict[str, Any]]) -> None:
    """One table per size: medians over the runs, with their range."""
    print(f"\n{stored} other registrations stored ({stored * 5} users), "
          f"{len(runs)} runs, medians [min-max]:")
    for name in ("baseline", "login", "launch", "round_trip"):
        for metric in ("per_second", "p50_ms", "p99_ms"):
            values = [run[name][metric] for run in runs]
            print(f"  {name:11} {metric:10} {statistics.median(values):9.2f} "
                  f"[{min(values):.2f}-{max(values):.2f}]")
    ratios = [run["ratio_p50"] for run in runs]
    print(f"  round trip / baseline (p50): {statistics.median(ratios):.2f} "
          f"[{min(ratios):.2f}-{max(ratios):.2f}]")


if __name__ == "__main__":
    main()
