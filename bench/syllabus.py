"""Syllabus benchmark: GET /packages/<slug>/syllabus.pdf cold and cached, against WeasyPrint
alone on the same final HTML, for packages of 12, 60 and 240 modules.

1. Creates a scratch SQLite database (a temporary directory), migrated to the newest schema,
   with the reference agencies and a synthetic inventory (bench/catalogue.py's generator:
   realistic text, 10% of modules with hosted HTML content), and publishes one package per
   size through the real package services (sections of 12 modules).
2. Serves it with gunicorn (one sync worker: requests are sequential) on a free loopback
   port, every syllabus rendered inline (``SYLLABUS_INLINE_MAX_MODULES`` raised above the
   largest size: the point is to time the request's own render).
3. Warms up (one render of each size on both sides), then runs ``--runs`` times; in a run,
   for each size:

   ``cold``       the cache emptied (``DELETE FROM rendered_syllabi``), one GET, timed by
                  the client: lookup, HTML, render, storing the PDF and sending it
   ``weasyprint`` in this process, ``weasyprint.HTML(string=html, base_url=assets)
                  .write_pdf()`` on the very HTML the request rendered (same assets, fonts,
                  catalogue URL): WeasyPrint alone
   ``cached``     ``--cached`` GETs of the now cached syllabus (median)
   ``revalidate`` the same with ``If-None-Match`` (304)

   and, outside the timed blocks, the same syllabus rendered once in the worker's render
   process (``exports.rendering.RenderProcess``, a fresh child per size) to read that
   child's peak resident memory, and the pieces of the request's work in this process
   (building the HTML; ``exports.pdf.render_pdf``) to show where any overhead goes.

It prints the medians (and ranges) and the verdicts on the targets: a cold request at most
15% over WeasyPrint alone; a cached response at most 1% of a cold one; time per module not
growing from the smallest to the largest size (no worse than linear); and writes everything
to bench/results/syllabus.json.

Usage: python bench/syllabus.py [--sizes 12,60,240] [--runs 3] [--cached 20]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.engine import Engine

sys.path.insert(0, str(Path(__file__).resolve().parent))
import catalogue  # bench/catalogue.py: the inventory generator and the HTTP client

from curriculum import migrate
from curriculum.accounts.models import Role
from curriculum.accounts.services import create_user
from curriculum.app import import_models
from curriculum.db import Database, make_engine
from curriculum.inventory.models import Agency, Module, ModuleStatus
from exports.pdf import ASSETS_URL, render_pdf
from exports.rendering import RenderProcess
from exports.services import source_of
from exports.syllabus import catalogue_url, syllabus_html, syllabus_metadata
from packages.models import Package, PackageVersion
from packages.services import create_package, publish_package

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "syllabus.json"
SEED = 20261128
SECTION_SIZE = 12
OVERHEAD_LIMIT = 0.15
CACHED_LIMIT = 0.01


# The data ------------------------------------------------------------------------------


def load(url: str, sizes: Sequence[int]) -> dict[int, str]:
    """Migrate a fresh database, fill the inventory, publish one package per size."""
    rng = random.Random(SEED)
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
        catalogue.load_inventory(engine, max(sizes) + 60, rng)
        database = Database(engine)
        slugs: dict[int, str] = {}
        with database.transaction() as session:
            publisher = create_user(session, "bench@example.org", Role.PUBLISHER, "Bench")
            active = list(session.scalars(select(Module.slug).where(
                Module.status == ModuleStatus.ACTIVE).order_by(Module.id)))
            codes = list(session.scalars(select(Agency.code).order_by(Agency.id)))
            for size in sizes:
                chosen = rng.sample(active, size)
                sections = [{"title": f"Part {index + 1}: {rng.choice(catalogue.TOPICS)[0]}",
                             "description": "What every participant needs at this stage.",
                             "items": [{"module": slug, "required": rng.random() < 0.8}
                                       for slug in chosen[start:start + SECTION_SIZE]]}
                            for index, start in enumerate(range(0, size, SECTION_SIZE))]
                package = create_package(session, {
                    "slug": f"syllabus-bench-{size}",
                    "title": f"Joint training on migration governance ({size} modules)",
                    "description": "A joint package assembled for the syllabus benchmark.",
                    "audience": "Government officials, civil society, trainers",
                    "prerequisites": ["Basic knowledge of migration terminology"],
                    "learning_objectives": [f"{rng.choice(catalogue.VERBS)} {subtopic}"
                                            for subtopic in rng.sample(catalogue.SUBTOPICS, 4)],
                    "agencies": rng.sample(codes[:12], 3),
                    "completion_rule": {"kind": "all_required"},
                    "sections": sections,
                })
                publish_package(session, package, "First edition.", publisher)
                slugs[size] = package.slug
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return slugs
    finally:
        engine.dispose()


def final_html(engine: Engine, slug: str, base_url: str) -> tuple[str, Any]:
    """The HTML (and PDF metadata) the request renders for ``slug`` in English."""
    with Database(engine).transaction() as session:
        version = session.scalars(select(PackageVersion).join(Package).where(
            Package.slug == slug)).one()
        source = source_of(version, catalogue_url(base_url, slug))
        return syllabus_html(source, "en"), syllabus_metadata(source, "en")


# The server ----------------------------------------------------------------------------


@contextmanager
def gunicorn(url: str, log: Path) -> Iterator[tuple[int, str, int]]:
    """The app under gunicorn (one sync worker) on a free port; yields (port, base URL,
    the arbiter's PID)."""
    port = catalogue.free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("CURRICULUM_") and k not in ("DATABASE_URL", "BASE_URL")}
    env.update(DATABASE_URL=url, BASE_URL=base_url,
               CURRICULUM_SYLLABUS_INLINE_MAX_MODULES="1000000")
    command = [sys.executable, "-m", "gunicorn", "--workers", "1", "--bind",
               f"127.0.0.1:{port}", "--timeout", "300", "--error-logfile", str(log),
               "--no-control-socket", "curriculum.app:create_app()"]
    with log.open("ab") as output:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output,
                                  stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {server.returncode}; see {log}")
            try:
                if catalogue.request_once(port, "/healthz", {}, timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not answer within 60 s; see {log}")
            time.sleep(0.2)
        yield port, base_url, server.pid
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


# Measuring -----------------------------------------------------------------------------


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used, from /proc."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def worker_pid(arbiter: int) -> int:
    """The PID of gunicorn's one worker (the child of its arbiter)."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2:].split()[1]) == arbiter:
                return int(entry.name)
    raise RuntimeError("gunicorn's worker was not found")


def timed_get(port: int, path: str, headers: dict[str, str] | None = None
              ) -> tuple[float, int, bytes]:
    """Seconds, status and body of one GET."""
    started = time.perf_counter()
    status, body = catalogue.request_once(port, path, headers or {}, timeout=300)
    return time.perf_counter() - started, status, body


def weasyprint_alone(html: str) -> tuple[float, float]:
    """Seconds (wall, CPU) WeasyPrint alone takes for ``html`` (its default fetcher, the same
    assets)."""
    from weasyprint import HTML

    started, cpu = time.perf_counter(), time.process_time()
    HTML(string=html, base_url=ASSETS_URL).write_pdf()
    return time.perf_counter() - started, time.process_time() - cpu


def empty_cache(engine: Engine) -> None:
    """Forget every rendered syllabus."""
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM rendered_syllabi"))


def measure_run(port: int, server: int, engine: Engine, slugs: dict[int, str],
                pages: dict[int, tuple[str, Any]], cached_requests: int) -> dict[str, Any]:
    """One run: every size, cold then WeasyPrint alone then cached."""
    run: dict[str, Any] = {}
    for size, slug in slugs.items():
        path = f"/packages/{slug}/syllabus.pdf"
        empty_cache(engine)
        cpu = cpu_seconds(server)
        cold, status, body = timed_get(port, path)
        cold_cpu = cpu_seconds(server) - cpu
        if status != 200 or not body.startswith(b"%PDF-"):
            raise RuntimeError(f"GET {path} answered {status}")
        alone, alone_cpu = weasyprint_alone(pages[size][0])
        hits, revalidations = [], []
        for _ in range(cached_requests):
            seconds, status, cached_body = timed_get(port, path)
            if status != 200 or cached_body != body:
                raise RuntimeError(f"cached GET {path} answered {status}")
            hits.append(seconds)
        for _ in range(cached_requests):
            started = time.perf_counter()
            status, _body = conditional_get(port, path)
            revalidations.append(time.perf_counter() - started)
            if status != 304:
                raise RuntimeError(f"conditional GET {path} answered {status}")
        run[str(size)] = {"cold_s": cold, "weasyprint_s": alone, "cold_cpu_s": cold_cpu,
                          "weasyprint_cpu_s": alone_cpu,
                          "cached_s": statistics.median(hits),
                          "revalidate_s": statistics.median(revalidations),
                          "pdf_bytes": len(body)}
    return run


_etags: dict[str, str] = {}


def conditional_get(port: int, path: str) -> tuple[int, bytes]:
    """A GET with the ETag the server gave for ``path`` (fetched once)."""
    import http.client

    if path not in _etags:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            _etags[path] = response.getheader("ETag") or ""
        finally:
            connection.close()
    return catalogue.request_once(port, path, {"If-None-Match": _etags[path]}, timeout=30)


def pieces(pages: dict[int, tuple[str, Any]], engine: Engine, slugs: dict[int, str],
           base_url: str) -> dict[str, Any]:
    """The request's own work in this process, timed piece by piece (median of 3)."""
    found: dict[str, Any] = {}
    for size, slug in slugs.items():
        html_times, render_times = [], []
        for _ in range(3):
            started = time.perf_counter()
            final_html(engine, slug, base_url)
            html_times.append(time.perf_counter() - started)
            html, metadata = pages[size]
            started = time.perf_counter()
            render_pdf(html, metadata=metadata)
            render_times.append(time.perf_counter() - started)
        found[str(size)] = {"load_and_html_s": statistics.median(html_times),
                            "render_pdf_s": statistics.median(render_times),
                            "html_chars": len(pages[size][0])}
    return found


def child_memory(pages: dict[int, tuple[str, Any]]) -> dict[str, Any]:
    """Peak resident memory of a fresh render process rendering each size once."""
    found: dict[str, Any] = {}
    for size, (html, metadata) in pages.items():
        renderer = RenderProcess(renders_per_process=1)
        try:
            started = time.perf_counter()
            renderer(html, metadata=metadata)
            seconds = time.perf_counter() - started
        finally:
            renderer.close()
        found[str(size)] = {"peak_rss_mib": round(renderer.peak_memory_kib / 1024, 1),
                            "render_in_child_s": seconds}
    return found


# Reporting -----------------------------------------------------------------------------


def spread(values: Sequence[float]) -> dict[str, float]:
    """Median, minimum and maximum."""
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def summarise(runs: list[dict[str, Any]], sizes: Sequence[int]) -> dict[str, Any]:
    """Medians over the runs, and the ratios computed run by run."""
    summary: dict[str, Any] = {}
    for size in sizes:
        rows = [run[str(size)] for run in runs]
        summary[str(size)] = {
            **{key: spread([row[key] for row in rows])
               for key in ("cold_s", "weasyprint_s", "cold_cpu_s", "weasyprint_cpu_s",
                           "cached_s", "revalidate_s")},
            "overhead": spread([row["cold_s"] / row["weasyprint_s"] - 1 for row in rows]),
            "overhead_cpu": spread([row["cold_cpu_s"] / row["weasyprint_cpu_s"] - 1
                                    for row in rows]),
            "cached_fraction": spread([row["cached_s"] / row["cold_s"] for row in rows]),
            "pdf_bytes": rows[0]["pdf_bytes"],
        }
    small, large = str(min(sizes)), str(max(sizes))
    per_module = [(run[large]["cold_cpu_s"] / int(large))
                  / (run[small]["cold_cpu_s"] / int(small)) for run in runs]
    summary["growth"] = {"sizes": [int(small), int(large)],
                         "cpu_ratio": spread([run[large]["cold_cpu_s"] / run[small]["cold_cpu_s"]
                                              for run in runs]),
                         "per_module_ratio": spread(per_module)}
    return summary


def verdicts(summary: dict[str, Any], sizes: Sequence[int]) -> dict[str, bool]:
    """Whether each target is met (on the medians)."""
    return {
        "cold_overhead_at_most_15pct": all(
            summary[str(size)]["overhead"]["median"] <= OVERHEAD_LIMIT for size in sizes),
        "cold_cpu_overhead_at_most_15pct": all(
            summary[str(size)]["overhead_cpu"]["median"] <= OVERHEAD_LIMIT for size in sizes),
        "cached_at_most_1pct_of_cold": all(
            summary[str(size)]["cached_fraction"]["median"] <= CACHED_LIMIT for size in sizes),
        "growth_no_worse_than_linear": summary["growth"]["per_module_ratio"]["median"] <= 1.0,
    }


def print_report(results: dict[str, Any]) -> None:
    """The tables."""
    summary, sizes = results["summary"], results["sizes"]
    print(f"\nSyllabus, {results['runs']} runs (median [min-max]); load average "
          f"{results['load_average']}")
    print(f"{'modules':>8} {'pages':>6} {'cold s':>20} {'WeasyPrint s':>20} "
          f"{'overhead':>22} {'CPU overhead':>22} {'cached ms':>18} {'cached/cold':>12} "
          f"{'304 ms':>8} {'child MiB':>10}")
    for size in sizes:
        row = summary[str(size)]

        def fmt(figure: dict[str, float], scale: float = 1.0, digits: int = 2) -> str:
            return (f"{figure['median'] * scale:.{digits}f} "
                    f"[{figure['min'] * scale:.{digits}f}-{figure['max'] * scale:.{digits}f}]")

        print(f"{size:>8} {results['pages'][str(size)]:>6} {fmt(row['cold_s']):>20} "
              f"{fmt(row['weasyprint_s']):>20} {fmt(row['overhead'], 100, 1) + ' %':>22} "
              f"{fmt(row['overhead_cpu'], 100, 1) + ' %':>22} "
              f"{fmt(row['cached_s'], 1000, 1):>18} "
              f"{row['cached_fraction']['median'] * 100:>10.2f} % "
              f"{row['revalidate_s']['median'] * 1000:>8.1f} "
              f"{results['memory'][str(size)]['peak_rss_mib']:>10.1f}")
    growth = summary["growth"]
    print(f"growth {growth['sizes'][0]} -> {growth['sizes'][1]} modules: CPU x"
          f"{growth['cpu_ratio']['median']:.1f}, per module x"
          f"{growth['per_module_ratio']['median']:.2f}")
    print("pieces in process (median of 3): " + "; ".join(
        f"{size}: HTML {p['load_and_html_s'] * 1000:.0f} ms, render_pdf {p['render_pdf_s']:.2f} s"
        for size, p in results["pieces"].items()))
    for name, met in results["verdicts"].items():
        print(f"  {name}: {'met' if met else 'MISSED'}")


def page_count(pdf: bytes) -> int:
    """Pages of a PDF (pypdf when installed, else the /Type /Page count)."""
    try:
        from io import BytesIO

        from pypdf import PdfReader

        return len(PdfReader(BytesIO(pdf)).pages)
    except ImportError:
        return pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="12,60,240",
                        type=lambda v: [int(x) for x in v.split(",")])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cached", type=int, default=20,
                        help="cached requests per size and run (median taken)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Load, serve, measure, report."""
    args = parse_args(argv)
    import_models()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    log = args.output.parent / "syllabus-gunicorn.log"
    with tempfile.TemporaryDirectory(prefix="curriculum-bench-syllabus-") as directory:
        url = f"sqlite:///{directory}/syllabus.sqlite3"
        started = time.perf_counter()
        slugs = load(url, args.sizes)
        print(f"Loaded in {time.perf_counter() - started:.1f} s", flush=True)
        engine = make_engine(url)
        try:
            with gunicorn(url, log) as (port, base_url, arbiter):
                server = worker_pid(arbiter)
                pages = {size: final_html(engine, slug, base_url) for size, slug in slugs.items()}
                for size, slug in slugs.items():  # warm up both sides
                    empty_cache(engine)
                    timed_get(port, f"/packages/{slug}/syllabus.pdf")
                    weasyprint_alone(pages[size][0])
                runs = []
                load_averages = []
                for number in range(args.runs):
                    runs.append(measure_run(port, server, engine, slugs, pages, args.cached))
                    load_averages.append(os.getloadavg())
                    print(f"run {number + 1}: " + ", ".join(
                        f"{size}: cold {r['cold_s']:.2f} s / alone {r['weasyprint_s']:.2f} s "
                        f"(CPU {r['cold_cpu_s']:.2f} / {r['weasyprint_cpu_s']:.2f})"
                        for size, r in runs[-1].items()), flush=True)
                last_pdf = {size: catalogue.request_once(
                    port, f"/packages/{slug}/syllabus.pdf", {}, timeout=60)[1]
                    for size, slug in slugs.items()}
                in_process = pieces(pages, engine, slugs, base_url)
            memory = child_memory(pages)
        finally:
            engine.dispose()
    summary = summarise(runs, args.sizes)
    results = {
        "benchmark": "syllabus", "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(), "machine": platform.machine(),
        "cpus": os.cpu_count(), "sizes": args.sizes, "runs": len(runs),
        "cached_requests": args.cached,
        "load_average": [round(sum(a[0] for a in load_averages) / len(load_averages), 2)],
        "pages": {str(size): page_count(pdf) for size, pdf in last_pdf.items()},
        "raw_runs": runs, "summary": summary, "pieces": in_process, "memory": memory,
        "verdicts": verdicts(summary, args.sizes),
    }
    args.output.write_text(json.dumps(results, indent=2))
    print_report(results)
    print(f"\nWritten to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
