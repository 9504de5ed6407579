"""Catalogue benchmark: module search and package reads at 500 and at 50,000 modules.

For each database (SQLite, PostgreSQL) this script

1. creates a fresh database per inventory size, migrated to the newest schema: SQLite files in
   a temporary directory, or one schema per size in the PostgreSQL database
   ``curriculum_bench`` (created for the run and dropped at the end);
2. loads a synthetic inventory with bulk inserts (modules and their link tables, realistic
   migration-training text in several scripts), assembles and publishes packages of 12
   modules through the real package services, then vacuums/analyses (PostgreSQL) or
   checkpoints (SQLite) as a settled database would be;
3. serves every size with its own gunicorn (2 sync workers) on a free loopback port;
4. drives them from this process with a small bounded HTTP client (``--concurrency``
   threads), warms up, then runs ``--runs`` times. In a run each request kind is measured on
   every size back to back, so the sizes and the baseline are compared within the same
   minutes of a shared, noisy machine. The request kinds:

   ``healthz``           ``GET /healthz``, the baseline (one ``SELECT 1``)
   ``search_broad``      ``GET /api/v1/modules?q=<word>&<two filters>&page_size=50`` with
                         queries that fill the page at every size
   ``search_selective``  the same with rarer words: a few matches at 500, hundreds at 50,000
   ``package``           ``GET /api/v1/packages/<slug>`` anonymously (the newest version)
   ``package_draft``     the same as an editor with a bearer token (the working copy)

It prints p50/p95/p99 (median of the runs and their range), each request's p95 as a multiple
of the baseline's p95 in the same run, the growth of p95 from the smallest to the largest
size (run by run) with the verdict on the targets, and writes everything, with the load
average of the machine during each run, to bench/results/catalogue.json.

Usage: python bench/catalogue.py [--databases sqlite,postgresql] [--sizes 500,50000]
                                 [--requests 300] [--runs 3] [--explain]
                                 [--baseline-tree OTHER_CHECKOUT] [--help]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import event, insert, select, text
from sqlalchemy.engine import Engine, make_url

from curriculum import migrate
from curriculum.accounts.models import Role, User
from curriculum.accounts.services import create_user, issue_token
from curriculum.app import import_models
from curriculum.db import Database, make_engine
from curriculum.inventory.models import (
    Agency,
    Module,
    ModuleAudience,
    ModuleKind,
    ModuleLanguage,
    ModulePartner,
    ModuleStatus,
    ModuleTheme,
    Theme,
    agency_filter_key,
    audience_filter_key,
    audience_key,
    language_filter_key,
    theme_filter_key,
)
from curriculum.inventory.reference import load_agencies, reference_agencies
from curriculum.inventory.search import ModuleQuery, search_modules
from curriculum.inventory.services import create_theme
from curriculum.inventory.vocabulary import DELIVERY_MODES, LEVELS
from curriculum.text import make_slug, search_key
from packages.services import create_package, publish_package, update_package

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "catalogue.json"
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/"
PG_DATABASE = "curriculum_bench"
SEED = 20261127

KINDS = ("healthz", "search_broad", "search_selective", "package", "package_draft")
BASELINE = "healthz"
#: Names the servers of ``--baseline-tree`` in the results.
BASELINE_SUFFIX = " (baseline)"
GROWTH_LIMIT = 3.0
P95_LIMIT_MS = 50.0

# The synthetic inventory ---------------------------------------------------------------

#: Owner agencies, weighted like the real inventory: a few large trainers, a long tail.
AGENCY_WEIGHTS = {
    "IOM": 20, "ILO": 10, "UNHCR": 8, "UNITAR": 8, "ITCILO": 6, "UNODC": 5, "OHCHR": 4,
    "UNICEF": 4, "WHO": 3, "UN-Women": 3, "UNDP": 3, "UNFPA": 2, "UN-DESA": 2, "FAO": 2,
}

#: (topic, its theme): the subject of a module and the theme it belongs to first.
TOPICS = (
    ("labour migration governance", "Labour migration"),
    ("fair and ethical recruitment", "Labour migration"),
    ("migrant workers' rights", "Labour migration"),
    ("bilateral labour migration agreements", "Labour migration"),
    ("skills partnerships and recognition", "Labour migration"),
    ("labour market information systems", "Labour migration"),
    ("social protection for migrant workers", "Labour migration"),
    ("counter-trafficking responses", "Human trafficking"),
    ("identification of victims of trafficking", "Human trafficking"),
    ("trafficking in persons investigations", "Human trafficking"),
    ("smuggling of migrants", "Migrant smuggling"),
    ("protection at sea", "Protection"),
    ("international protection and asylum", "Protection"),
    ("statelessness", "Protection"),
    ("children on the move", "Children on the move"),
    ("unaccompanied and separated children", "Children on the move"),
    ("gender-responsive migration policy", "Gender"),
    ("gender-based violence in displacement", "Gender"),
    ("migration data and statistics", "Migration data"),
    ("censuses and surveys on international migration", "Migration data"),
    ("remittances and financial inclusion", "Remittances"),
    ("diaspora engagement for development", "Diaspora engagement"),
    ("climate change, environment and migration", "Climate and migration"),
    ("disaster displacement", "Displacement"),
    ("internal displacement and durable solutions", "Displacement"),
    ("integrated border management", "Border management"),
    ("immigration and border document examination", "Border management"),
    ("return and sustainable reintegration", "Return and reintegration"),
    ("migrant health", "Health"),
    ("mental health and psychosocial support for migrants", "Health"),
    ("integration and social cohesion", "Integration"),
    ("countering xenophobia and hate speech", "Integration"),
    ("international migration law", "International migration law"),
    ("human rights of migrants", "Human rights"),
    ("the Global Compact for Migration", "Migration governance"),
    ("migration and the Sustainable Development Goals", "Migration governance"),
    ("policy coherence on migration", "Migration governance"),
    ("local governance of migration", "Migration governance"),
    ("consular assistance to migrants in crisis", "Protection"),
    ("alternatives to immigration detention", "Human rights"),
)
THEMES = sorted({theme for _topic, theme in TOPICS})
PREFIXES = (
    "Introduction to", "Essentials of", "Foundations of", "Advanced course on",
    "Practical guide to", "Managing", "Understanding", "Responding to", "Monitoring",
    "Mainstreaming", "Strengthening", "Training of trainers on", "E-learning on",
    "Regional workshop on", "Policy lab on",
)
REGIONS = (
    "West Africa", "the Sahel", "East Africa", "the Horn of Africa", "Southern Africa",
    "North Africa", "the Middle East", "the Gulf", "South Asia", "South-East Asia",
    "Central Asia", "the Pacific", "Central America", "the Andean region", "the Caribbean",
    "the Western Balkans", "Eastern Europe", "the Mediterranean",
)
AUDIENCES = (
    "Government officials", "Civil society", "UN staff", "Border officials",
    "Labour inspectors", "Journalists", "Health workers", "Social workers", "Academics",
    "Students", "Parliamentarians", "Local authorities", "Employers", "Trade unions",
    "Judges and prosecutors", "Diaspora organizations",
)
SUBTOPICS = (
    "bilateral labour agreements", "recruitment fees and related costs", "victim identification",
    "national referral mechanisms", "the principle of non-refoulement", "consular protection",
    "data disaggregated by sex and age", "the cost of sending remittances",
    "early warning systems", "planned relocation", "pre-departure orientation",
    "recognition of skills and qualifications", "portability of social security",
    "access to health services", "alternatives to detention", "the best interests of the child",
    "community-based protection", "whole-of-government coordination", "policy coherence",
    "migration profiles", "household surveys", "administrative data sources",
    "census microdata", "document fraud", "counter-smuggling investigations",
    "financial investigations", "survivor-centred approaches", "labour inspection",
    "grievance mechanisms", "ethical recruitment standards", "sustainable reintegration",
    "psychosocial support", "diaspora investment", "circular migration",
    "hate speech and misinformation", "social cohesion", "local integration plans",
    "urban planning for newcomers", "climate adaptation", "evidence-based policy making",
)
VERBS = ("Explain", "Identify", "Apply", "Compare", "Design", "Assess", "Describe", "Use",
         "Plan", "Evaluate", "Map", "Monitor")
KIND_WORDS = {
    ModuleKind.COURSE: "course", ModuleKind.MODULE: "module",
    ModuleKind.PROGRAMME: "programme", ModuleKind.TOOLKIT: "toolkit",
    ModuleKind.MANUAL: "manual",
}
LENGTH_WORDS = ("A short", "A one-day", "A two-day", "A five-day", "A self-paced", "An online",
                "A blended", "A week-long")
OUTPUTS = ("a national action plan outline", "a checklist for their office",
           "a referral map", "a data quality assessment", "a draft policy brief",
           "a training plan for colleagues", "a case-management workflow")
#: (language code, title in that language) for the modules offered first in another language.
FOREIGN_TITLES = (
    ("fr", "Introduction à la gouvernance des migrations de main-d'œuvre"),
    ("fr", "Protection des enfants migrants non accompagnés"),
    ("es", "Gestión de la migración laboral y contratación equitativa"),
    ("es", "Trata de personas: identificación de víctimas"),
    ("ar", "مقدمة في إدارة الهجرة وحماية حقوق المهاجرين"),
    ("ar", "مكافحة الاتجار بالبشر"),
    ("ru", "Основы управления трудовой миграцией"),
    ("zh", "国际移民法与移民治理基础"),
    ("pt", "Migração laboral e direitos dos trabalhadores migrantes"),
)
LANGUAGE_ODDS = (("en", 0.85), ("fr", 0.30), ("es", 0.25), ("ar", 0.12), ("ru", 0.08),
                 ("pt", 0.08), ("zh", 0.06), ("de", 0.04))
MODE_WEIGHTS = (30, 20, 20, 25, 5)
DURATIONS = (45, 60, 90, 120, 180, 240, 480, 960, 1440, 2400)
LICENCES = ("CC BY-NC-SA 4.0", "CC BY 4.0", "All rights reserved", None, None)

#: The searches: q plus two filters. Broad ones fill a 50-item page at 500 modules already;
#: selective ones match a handful at 500 and grow with the inventory.
BROAD_SEARCHES: tuple[dict[str, Any], ...] = (
    {"q": "migra", "agency": "iom", "language": "en"},
    {"q": "africa", "language": "en", "mode": "self-paced e-learning"},
    {"q": "migra", "theme": "labour-migration", "language": "en"},
)
SELECTIVE_SEARCHES: tuple[dict[str, Any], ...] = (
    {"q": "recruitment", "agency": "ilo", "language": "fr"},
    {"q": "trafficking", "theme": "human-trafficking", "mode": "face-to-face"},
    {"q": "remittances", "agency": "iom", "language": "es"},
)


@dataclass
class Loaded:
    """What was loaded: the figures for the report and what the requests need."""

    modules: int
    packages: list[str]
    editor_token: str
    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def weighted_sample(rng: random.Random, population: Sequence[Any], weights: Sequence[float],
                    k: int) -> list[Any]:
    """``k`` distinct items drawn with the given weights."""
    chosen: list[Any] = []
    k = min(k, len(population))
    while len(chosen) < k:
        item = rng.choices(population, weights)[0]
        if item not in chosen:
            chosen.append(item)
    return chosen


def module_text(rng: random.Random, kind: ModuleKind | None
                ) -> tuple[str, str, list[str], str, str | None]:
    """A module's title, summary and objectives, its topic's theme and a foreign language."""
    topic, theme = rng.choice(TOPICS)
    foreign: str | None = None
    if rng.random() < 0.05:
        foreign, title = rng.choice(FOREIGN_TITLES)
        title = f"{title} ({topic})"
    else:
        title = f"{rng.choice(PREFIXES)} {topic}"
        roll = rng.random()
        if roll < 0.3:
            title += f" in {rng.choice(REGIONS)}"
        elif roll < 0.5:
            title += f" for {rng.choice(AUDIENCES).lower()}"
        elif roll < 0.6:
            title += f" ({rng.randint(2012, 2026)} edition)"
    subtopics = rng.sample(SUBTOPICS, 5)
    sentences = [
        f"{rng.choice(LENGTH_WORDS)} {KIND_WORDS.get(kind, 'training') if kind else 'training'}"
        f" on {topic} for {rng.choice(AUDIENCES).lower()}.",
        f"It covers {subtopics[0]}, {subtopics[1]} and {subtopics[2]}, with case studies "
        f"from {rng.choice(REGIONS)}.",
    ]
    if rng.random() < 0.6:
        sentences.append(f"Participants work on {subtopics[3]} and leave with "
                         f"{rng.choice(OUTPUTS)}.")
    objectives = [
        f"{rng.choice(VERBS)} {subtopic}"
        + (f" in {rng.choice(REGIONS)}" if rng.random() < 0.3 else "")
        for subtopic in subtopics[: rng.randint(2, 5)]
    ]
    return title, " ".join(sentences), objectives, theme, foreign


def load_inventory(engine: Engine, n_modules: int, rng: random.Random) -> dict[str, int]:
    """Agencies and themes through the services, modules and their links in bulk."""
    database = Database(engine)
    with database.transaction() as session:
        load_agencies(session, reference_agencies())
        for name in THEMES:
            create_theme(session, {"name": name})
    with database.transaction() as session:
        agencies = {a.code: (a.id, a.slug) for a in session.scalars(select(Agency))}
        themes = {t.name: t.id for t in session.scalars(select(Theme))}
    codes = list(agencies)
    weights = [AGENCY_WEIGHTS.get(code, 1) for code in codes]
    theme_names = list(themes)
    kinds: list[ModuleKind | None] = [*ModuleKind, None]
    now = datetime.now(UTC)
    counts = dict.fromkeys(("modules", "module_languages", "module_themes", "module_partners",
                            "module_audiences"), 0)
    batch = 5000
    for start in range(1, n_modules + 1, batch):
        modules: list[dict[str, Any]] = []
        languages: list[dict[str, Any]] = []
        module_themes: list[dict[str, Any]] = []
        partners: list[dict[str, Any]] = []
        audiences: list[dict[str, Any]] = []
        for module_id in range(start, min(start + batch, n_modules + 1)):
            kind = rng.choices(kinds, (30, 35, 10, 10, 5, 10))[0]
            title, summary, objectives, theme, foreign = module_text(rng, kind)
            owner = rng.choices(codes, weights)[0]
            slug = f"{make_slug(title)[:90]}-{module_id}"
            retired = rng.random() < 0.04
            created = now - timedelta(days=rng.randint(0, 3000))
            hosted = rng.random() < 0.1
            modules.append({
                "id": module_id,
                "slug": slug,
                "title": title,
                "kind": kind,
                "summary": summary,
                "learning_objectives": objectives,
                "owner_agency_id": agencies[owner][0],
                "level": rng.choice((*LEVELS, None)),
                "duration_minutes": rng.choice((*DURATIONS, None)),
                "delivery_mode": rng.choices(DELIVERY_MODES, MODE_WEIGHTS)[0],
                "year_first_offered": rng.choice((None, *range(2005, 2026))),
                "url": None if hosted else
                f"https://learning.example.org/{agencies[owner][1]}/{slug}",
                "content_html": "".join(f"<h2>{o}</h2><p>{summary}</p>" for o in objectives)
                if hosted else None,
                "licence": rng.choice(LICENCES),
                "sources": [f"https://learning.example.org/{agencies[owner][1]}/{slug}"],
                "source_confidence": rng.choice(("high", "medium", "low")),
                "status": ModuleStatus.RETIRED if retired else ModuleStatus.ACTIVE,
                "retired_at": now if retired else None,
                "search_text": search_key([title, summary, *objectives]),
                "revision": 1,
                "created_at": created,
                "updated_at": created,
            })
            codes_here = [code for code, odds in LANGUAGE_ODDS if rng.random() < odds]
            if foreign and foreign not in codes_here:
                codes_here.insert(0, foreign)
            languages.extend({"module_id": module_id, "code": code, "position": position}
                             for position, code in enumerate(codes_here or ["en"]))
            extra = rng.sample(theme_names, rng.choice((0, 0, 1, 1, 2)))
            names = list(dict.fromkeys([theme, *extra]))
            module_themes.extend({"module_id": module_id, "theme_id": themes[name],
                                  "position": position} for position, name in enumerate(names))
            n_partners = rng.choices((0, 1, 2, 3), (50, 30, 15, 5))[0]
            others = [c for c in weighted_sample(rng, codes, weights, n_partners + 1)
                      if c != owner][:n_partners]
            partners.extend({"module_id": module_id, "agency_id": agencies[code][0],
                             "position": position} for position, code in enumerate(others))
            labels = rng.sample(AUDIENCES, rng.randint(1, 3))
            audiences.extend({"module_id": module_id, "key": audience_key(label), "label": label,
                              "position": position} for position, label in enumerate(labels))
            # What the services keep in step with the links (Module.filter_keys_from_links).
            modules[-1]["filter_keys"] = list(dict.fromkeys([
                agency_filter_key(agencies[owner][0]),
                *(agency_filter_key(agencies[code][0]) for code in others),
                *(theme_filter_key(themes[name]) for name in names),
                *(language_filter_key(code) for code in codes_here or ["en"]),
                *(audience_filter_key(audience_key(label)) for label in labels)]))
        with engine.begin() as connection:
            for model, rows in ((Module, modules), (ModuleLanguage, languages),
                                (ModuleTheme, module_themes), (ModulePartner, partners),
                                (ModuleAudience, audiences)):
                connection.execute(insert(model.__table__), rows)  # type: ignore[arg-type]
                counts[str(model.__tablename__)] += len(rows)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text(
                "SELECT setval(pg_get_serial_sequence('modules', 'id'), max(id)) FROM modules"))
    return counts


def package_sections(rng: random.Random, slugs: list[str]) -> list[dict[str, Any]]:
    """Three sections of four modules, a few optional, some with notes."""
    return [
        {"title": title, "description": f"{title}: what every participant needs.",
         "items": [{"module": slug, "required": rng.random() < 0.8,
                    "note": "Read before the session." if rng.random() < 0.2 else None}
                   for slug in slugs[index * 4:(index + 1) * 4]]}
        for index, title in enumerate(("Foundations", "Practice", "Going further"))
    ]


def load_packages(engine: Engine, n_packages: int, rng: random.Random
                  ) -> tuple[list[str], str]:
    """Packages of 12 modules assembled and published through the package services.

    Every third package gets a second version; every fifth has unpublished draft changes.
    Returns the package slugs and an editor's API token.
    """
    database = Database(engine)
    with database.transaction() as session:
        editor = create_user(session, "bench-editor@example.org", Role.EDITOR, "Bench editor")
        publisher = create_user(session, "bench-publisher@example.org", Role.PUBLISHER,
                                "Bench publisher")
        token = issue_token(session, editor, "bench").secret
        publisher_id = publisher.id
        active = list(session.scalars(
            select(Module.slug).where(Module.status == ModuleStatus.ACTIVE).order_by(Module.id)))
        codes = list(session.scalars(select(Agency.code).order_by(Agency.id)))
    slugs: list[str] = []
    for start in range(0, n_packages, 50):
        with database.transaction() as session:
            publisher_user = session.get(User, publisher_id)
            for number in range(start, min(start + 50, n_packages)):
                topic, theme = rng.choice(TOPICS)
                title = f"Joint package on {topic}"
                modules = rng.sample(active, 13)
                package = create_package(session, {
                    "slug": f"{make_slug(title)[:80]}-{number + 1}",
                    "title": title,
                    "description": f"A joint {theme.lower()} package for "
                                   f"{rng.choice(AUDIENCES).lower()} in "
                                   f"{rng.choice(REGIONS)}.",
                    "audience": ", ".join(rng.sample(AUDIENCES, 3)),
                    "prerequisites": ["Basic knowledge of migration terminology"],
                    "learning_objectives": [f"{rng.choice(VERBS)} {s}"
                                            for s in rng.sample(SUBTOPICS, 4)],
                    "agencies": rng.sample(codes[:12], rng.randint(2, 3)),
                    "completion_rule": {"kind": "all_required"},
                    "sections": package_sections(rng, modules[:12]),
                })
                publish_package(session, package, "First edition.", publisher_user)
                if number % 3 == 0:
                    update_package(session, package, {
                        "sections": package_sections(rng, [*modules[:11], modules[12]])})
                    publish_package(session, package, "Replaced a module.", publisher_user)
                if number % 5 == 0:
                    update_package(session, package, {
                        "description": f"{package.description} Draft: a new case study."})
                slugs.append(package.slug)
    return slugs, token


def load(url: str, n_modules: int, n_packages: int) -> Loaded:
    """Migrate a fresh database at ``url`` and fill it."""
    rng = random.Random(f"{SEED}-{n_modules}")
    engine = make_engine(url)
    seconds: dict[str, float] = {}
    try:
        started = time.perf_counter()
        migrate.upgrade(engine)
        seconds["migrate"] = time.perf_counter() - started
        started = time.perf_counter()
        rows = load_inventory(engine, n_modules, rng)
        seconds["modules"] = time.perf_counter() - started
        started = time.perf_counter()
        slugs, token = load_packages(engine, n_packages, rng)
        seconds["packages"] = time.perf_counter() - started
        started = time.perf_counter()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            if engine.dialect.name == "postgresql":
                # Autovacuum would vacuum and analyse the new rows within a minute or two (the
                # visibility map lets index-only scans skip the heap); do it now.
                connection.exec_driver_sql("VACUUM ANALYZE")
            else:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        seconds["vacuum_checkpoint"] = time.perf_counter() - started
        rows["packages"] = n_packages
        return Loaded(modules=n_modules, packages=slugs, editor_token=token, rows=rows,
                      seconds=seconds)
    finally:
        engine.dispose()


# Databases -----------------------------------------------------------------------------


@contextmanager
def sqlite_databases(sizes: Sequence[int]) -> Iterator[dict[int, str]]:
    """One SQLite file per size in a temporary directory (removed afterwards)."""
    with tempfile.TemporaryDirectory(prefix="curriculum-bench-") as directory:
        yield {size: f"sqlite:///{directory}/modules-{size}.sqlite3" for size in sizes}


@contextmanager
def postgresql_databases(server: str, sizes: Sequence[int], options: str = ""
                         ) -> Iterator[dict[int, str]]:
    """The database ``curriculum_bench`` with one schema per size; dropped afterwards.

    pg_trgm is created in ``public`` first, so every size's migration finds it there.
    ``options`` are more server settings for every connection (``-c jit=off`` ...).
    """
    base = server.rstrip("/")
    admin = make_engine(f"{base}/postgres").execution_options(isolation_level="AUTOCOMMIT")

    def drop() -> None:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")

    try:
        drop()
        with admin.connect() as connection:
            connection.exec_driver_sql(f"CREATE DATABASE {PG_DATABASE}")
        bench = make_engine(f"{base}/{PG_DATABASE}")
        with bench.begin() as connection:
            connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
            for size in sizes:
                connection.exec_driver_sql(f"CREATE SCHEMA modules_{size}")
        bench.dispose()
        yield {size: make_url(f"{base}/{PG_DATABASE}").update_query_dict(
                   {"options": f"-csearch_path=modules_{size},public {options}".strip()}
               ).render_as_string(hide_password=False) for size in sizes}
    finally:
        drop()
        admin.dispose()


def database_versions(server: str, databases: Sequence[str]) -> dict[str, str]:
    """The versions of the database engines, for the record."""
    versions = {"sqlite": sqlite3.sqlite_version}
    if "postgresql" in databases:
        engine = make_engine(server.rstrip("/") + "/postgres")
        try:
            with engine.connect() as connection:
                versions["postgresql"] = str(connection.scalar(text("SHOW server_version")))
        finally:
            engine.dispose()
    return versions


# The server ----------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port nobody listens on at the moment."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def request_once(port: int, path: str, headers: dict[str, str], timeout: float = 30.0
                 ) -> tuple[int, bytes]:
    """One GET on a fresh connection (gunicorn's sync workers close after each response)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@contextmanager
def gunicorn(url: str, workers: int, log: Path, tree: Path | None = None) -> Iterator[int]:
    """The app under gunicorn (sync workers) on a free loopback port; yields the port.

    ``tree`` serves the code of another checkout instead (it goes first on ``PYTHONPATH``).
    """
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("CURRICULUM_") and k not in ("DATABASE_URL", "PYTHONPATH")}
    env["DATABASE_URL"] = url
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    command = [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind",
               f"127.0.0.1:{port}", "--timeout", "60", "--error-logfile", str(log),
               # Several servers run at once: none needs gunicorn's control socket, which
               # would be the same file for all of them.
               "--no-control-socket", "curriculum.app:create_app()"]
    with log.open("ab") as output:
        server = subprocess.Popen(command, cwd=tree or ROOT, env=env, stdout=output,
                                  stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {server.returncode}; see {log}")
            try:
                if request_once(port, "/healthz", {}, timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not answer within 30 s; see {log}")
            time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


# The load generator --------------------------------------------------------------------


@dataclass
class Block:
    """The latencies of one block of requests of one kind."""

    latencies_ms: list[float]
    errors: int
    seconds: float

    def summary(self) -> dict[str, float | int]:
        """Percentiles, count, errors and throughput."""
        cuts = statistics.quantiles(self.latencies_ms, n=100, method="inclusive")
        return {"n": len(self.latencies_ms), "errors": self.errors,
                "p50": cuts[49], "p95": cuts[94], "p99": cuts[98],
                "mean": statistics.fmean(self.latencies_ms),
                "max": max(self.latencies_ms),
                "requests_per_s": len(self.latencies_ms) / self.seconds}


def drive(port: int, paths: Sequence[str], headers: dict[str, str], *, requests: int,
          concurrency: int, max_seconds: float) -> Block:
    """``requests`` GETs cycling through ``paths`` from ``concurrency`` threads, time-bounded."""
    latencies: list[float] = []
    errors = [0]
    counter = iter(range(requests))
    lock = threading.Lock()
    deadline = time.monotonic() + max_seconds

    def worker() -> None:
        while time.monotonic() < deadline:
            with lock:
                index = next(counter, None)
            if index is None:
                return
            started = time.perf_counter()
            try:
                status, _body = request_once(port, paths[index % len(paths)], headers)
            except OSError:
                status = 0
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                if status == 200:
                    latencies.append(elapsed)
                else:
                    errors[0] += 1

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max_seconds + 60)
    seconds = time.perf_counter() - started
    if len(latencies) < 2:
        raise RuntimeError(f"Fewer than two successful requests for {paths[0]} "
                           f"({errors[0]} errors)")
    return Block(latencies, errors[0], seconds)


def search_path(params: dict[str, str]) -> str:
    """The module search URL of a query."""
    return "/api/v1/modules?" + urlencode({**params, "page_size": 50})


def request_plan(loaded: Loaded) -> dict[str, tuple[list[str], dict[str, str]]]:
    """The URLs and headers of every request kind."""
    packages = [f"/api/v1/packages/{slug}" for slug in loaded.packages[:50]]
    editor = {"Authorization": f"Bearer {loaded.editor_token}"}
    return {
        "healthz": (["/healthz"], {}),
        "search_broad": ([search_path(p) for p in BROAD_SEARCHES], {}),
        "search_selective": ([search_path(p) for p in SELECTIVE_SEARCHES], {}),
        "package": (packages, {}),
        "package_draft": (packages, editor),
    }


def describe_responses(port: int, loaded: Loaded) -> dict[str, Any]:
    """What the requests return: totals and page sizes of the searches, package sizes."""
    plan = request_plan(loaded)
    searches = []
    for params in (*BROAD_SEARCHES, *SELECTIVE_SEARCHES):
        status, body = request_once(port, search_path(params), {})
        if status != 200:
            raise RuntimeError(f"{search_path(params)} answered {status}: {body[:300]!r}")
        page = json.loads(body)
        searches.append({"query": params, "total": page["total"], "items": len(page["items"]),
                         "bytes": len(body)})
    packages = {}
    for kind in ("package", "package_draft"):
        paths, headers = plan[kind]
        status, body = request_once(port, paths[0], headers)
        if status != 200:
            raise RuntimeError(f"{paths[0]} ({kind}) answered {status}: {body[:300]!r}")
        document = json.loads(body)
        packages[kind] = {"view": document["view"], "modules": document["module_count"],
                          "bytes": len(body)}
    return {"searches": searches, "packages": packages}


def measure(servers: dict[str, tuple[int, Loaded]], args: argparse.Namespace
            ) -> list[dict[str, Any]]:
    """Warm every server up, then ``args.runs`` runs.

    ``servers`` are named by size (and code version). In a run each request kind is measured
    on every server back to back (the order alternates from run to run), so the figures of
    the sizes, and the baseline request they are compared with, come from the same minutes
    of a machine that others share. Kinds rotate their order from run to run.
    """
    plans = {name: (port, request_plan(loaded)) for name, (port, loaded) in servers.items()}
    for port, plan in plans.values():
        for kind in KINDS:
            paths, headers = plan[kind]
            drive(port, paths, headers, requests=args.warmup, concurrency=args.concurrency,
                  max_seconds=args.max_seconds)
    runs: list[dict[str, Any]] = []
    sizes = list(plans)
    for run in range(args.runs):
        kinds = KINDS[run % len(KINDS):] + KINDS[:run % len(KINDS)]
        order = sizes if run % 2 == 0 else sizes[::-1]
        load_before = os.getloadavg()[0]
        results: dict[str, dict[str, Any]] = {size: {} for size in sizes}
        for kind in kinds:
            for size in order:
                port, plan = plans[size]
                paths, headers = plan[kind]
                results[size][kind] = drive(
                    port, paths, headers, requests=args.requests,
                    concurrency=args.concurrency, max_seconds=args.max_seconds).summary()
        for size in sizes:
            for kind in KINDS:
                results[size][kind]["p95_vs_baseline"] = (
                    results[size][kind]["p95"] / results[size][BASELINE]["p95"])
        runs.append({"kinds": list(kinds), "sizes": list(order), "load_average_1m": {
            "before": load_before, "after": os.getloadavg()[0]},
            "results": results})
        print(f"    run {run + 1} (load average {load_before:.1f} -> "
              f"{os.getloadavg()[0]:.1f}): " + "; ".join(
                  f"{size}: " + ", ".join(f"{kind} {results[size][kind]['p95']:.1f}"
                                          for kind in KINDS) for size in sizes), flush=True)
    return runs


def spread(values: Sequence[float]) -> dict[str, float]:
    """The median and the range."""
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def summarise(runs: list[dict[str, Any]], name: str) -> dict[str, Any]:
    """The median of the runs, and their range, for every figure of one server."""
    summary: dict[str, Any] = {}
    for kind in KINDS:
        results = [run["results"][name][kind] for run in runs]
        figures: dict[str, Any] = {
            name: spread([result[name] for result in results])
            for name in ("p50", "p95", "p99", "p95_vs_baseline", "requests_per_s")}
        figures["errors"] = sum(result["errors"] for result in results)
        figures["n"] = sum(result["n"] for result in results)
        summary[kind] = figures
    return summary


def growth(runs: list[dict[str, Any]], database: str, small: int, large: int, suffix: str = ""
           ) -> list[dict[str, Any]]:
    """Each request's p95 at ``large`` over its p95 at ``small``, run by run, and the verdict.

    ``suffix`` picks the servers of a code version (see :func:`server_name`).
    """
    rows = []
    low, high = server_name(small, suffix), server_name(large, suffix)
    for kind in KINDS:
        ratios = [run["results"][high][kind]["p95"] / run["results"][low][kind]["p95"]
                  for run in runs]
        p95_small = statistics.median(run["results"][low][kind]["p95"] for run in runs)
        p95_large = statistics.median(run["results"][high][kind]["p95"] for run in runs)
        ratio = spread(ratios)
        missed = []
        if kind != BASELINE and ratio["median"] > GROWTH_LIMIT:
            missed.append(f"growth above {GROWTH_LIMIT:g}x")
        if kind != BASELINE and database == "postgresql" and p95_large >= P95_LIMIT_MS:
            missed.append(f"p95 not under {P95_LIMIT_MS:g} ms")
        rows.append({"database": database + suffix, "request": kind, "small": small,
                     "large": large,
                     "p95_small": p95_small, "p95_large": p95_large, "growth": ratio,
                     "meets_target": not missed, "missed": missed})
    return rows


# EXPLAIN -------------------------------------------------------------------------------


def explain_searches(url: str) -> list[dict[str, Any]]:
    """The plans of the statements the search runs before loading related rows, per query."""
    engine = make_engine(url)
    captured: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any,
                _executemany: bool) -> None:
        captured.append((statement, parameters))

    plans = []
    try:
        with Database(engine).new_session(write=False) as session:
            for params in (*BROAD_SEARCHES, *SELECTIVE_SEARCHES):
                captured.clear()
                event.listen(engine, "before_cursor_execute", capture)
                try:
                    search_modules(session, ModuleQuery(**params), page=1, page_size=50)
                finally:
                    event.remove(engine, "before_cursor_execute", capture)
                statements = [(sql, parameters) for sql, parameters in captured
                              if "module_partners.module_id IN" not in sql
                              and "module_themes.module_id IN" not in sql
                              and "module_languages.module_id IN" not in sql
                              and "module_audiences.module_id IN" not in sql]
                for sql, parameters in statements:
                    if engine.dialect.name == "postgresql":
                        prefix = "EXPLAIN (ANALYZE, BUFFERS) "
                        column = 0
                    else:
                        prefix, column = "EXPLAIN QUERY PLAN ", 3
                    rows = session.connection().exec_driver_sql(prefix + sql, parameters)
                    plans.append({"query": params, "sql": sql,
                                  "plan": [str(row[column]) for row in rows]})
                session.rollback()
    finally:
        engine.dispose()
    return plans


# Reporting -----------------------------------------------------------------------------


def fmt(figure: dict[str, float]) -> str:
    """``median (min-max)``."""
    return f"{figure['median']:6.1f} ({figure['min']:.1f}-{figure['max']:.1f})"


def print_tables(results: dict[str, Any]) -> None:
    """The latency table, the growth table and the verdict."""
    print()
    print("Latency in ms: median of the runs (min-max). x base = p95 / p95 of GET /healthz "
          "in the same run.")
    header = (f"{'database':<11}{'modules':>16}  {'request':<17}{'p50':<20}{'p95':<20}"
              f"{'p99':<20}{'x base':<18}{'req/s':>6}")
    print(header)
    print("-" * len(header))
    for database, entry in results["databases"].items():
        for name, summary in entry["summaries"].items():
            for kind in KINDS:
                s = summary[kind]
                ratio = s["p95_vs_baseline"]
                print(f"{database:<11}{name:>16}  {kind:<17}{fmt(s['p50']):<20}"
                      f"{fmt(s['p95']):<20}{fmt(s['p99']):<20}"
                      f"{ratio['median']:5.1f} ({ratio['min']:.1f}-{ratio['max']:.1f})"
                      f"{'':<4}{s['requests_per_s']['median']:>6.0f}")
    rows = [row for entry in results["databases"].values()
            for row in entry.get("growth", []) + entry.get("baseline_growth", [])]
    if not rows:
        return
    print()
    print(f"Growth of p95 (per run, median and range) from {rows[0]['small']} to "
          f"{rows[0]['large']} modules. Targets: at most {GROWTH_LIMIT:g}x; p95 under "
          f"{P95_LIMIT_MS:g} ms on PostgreSQL at {rows[0]['large']}.")
    header = (f"{'database':<22}{'request':<17}{'p95 small':>10}{'p95 large':>10}  "
              f"{'growth':<20}verdict")
    print(header)
    print("-" * (len(header) + 30))
    for row in rows:
        verdict = ("baseline" if row["request"] == BASELINE
                   else "ok" if row["meets_target"] else "MISSED: " + "; ".join(row["missed"]))
        g = row["growth"]
        print(f"{row['database']:<22}{row['request']:<17}{row['p95_small']:>10.1f}"
              f"{row['p95_large']:>10.1f}  "
              f"{g['median']:5.2f}x ({g['min']:.2f}-{g['max']:.2f}){'':<4}{verdict}")


# Main ----------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--databases", default="sqlite,postgresql",
                        help="comma-separated: sqlite, postgresql (default: both)")
    parser.add_argument("--sizes", default="500,50000",
                        help="comma-separated module counts (default: 500,50000)")
    parser.add_argument("--requests", type=int, default=300,
                        help="requests of each kind per size and run (default: 300)")
    parser.add_argument("--runs", type=int, default=3, help="measured runs (default: 3)")
    parser.add_argument("--warmup", type=int, default=60,
                        help="warm-up requests of each kind per size (default: 60)")
    parser.add_argument("--concurrency", type=int, default=2,
                        help="client threads; default 2, one per gunicorn worker")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--max-seconds", type=float, default=60.0,
                        help="time limit of each block of requests (default: 60)")
    parser.add_argument("--packages-per-module", type=float, default=0.004,
                        help="packages per module, at least 20 (default: 0.004, so 200 "
                             "packages at 50,000 modules)")
    parser.add_argument("--pg-server", default=PG_SERVER,
                        help=f"PostgreSQL server URL without a database (default: {PG_SERVER})")
    parser.add_argument("--pg-options", default="",
                        help="more settings for the app's PostgreSQL connections, as libpq "
                             "options, e.g. '-c jit=off' (default: the server's own)")
    parser.add_argument("--baseline-tree", type=Path,
                        help="also serve this other checkout of the project (say, the last "
                             "commit) on the same databases and measure it in the same runs")
    parser.add_argument("--explain", action="store_true",
                        help="also record the query plans of the search statements")
    parser.add_argument("--output", type=Path, default=RESULTS,
                        help=f"JSON results file (default: {RESULTS.relative_to(ROOT)})")
    args = parser.parse_args(argv)
    args.databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    unknown = set(args.databases) - {"sqlite", "postgresql"}
    if unknown:
        parser.error(f"unknown database(s): {', '.join(sorted(unknown))}")
    args.sizes = sorted({int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()})
    if min(args.sizes) < 13:
        parser.error("each size needs at least 13 modules (a package holds 12)")
    args.output = args.output.resolve()
    if args.baseline_tree is not None:
        args.baseline_tree = args.baseline_tree.resolve()
        if not (args.baseline_tree / "curriculum" / "app.py").is_file():
            parser.error(f"{args.baseline_tree} is not a checkout of this project")
    if args.runs < 1 or args.requests < 20 or args.warmup < 0:
        parser.error("--runs must be at least 1, --requests at least 20")
    return args


def run_database(database: str, urls: dict[int, str], args: argparse.Namespace, log: Path
                 ) -> dict[str, Any]:
    """Load every size, serve each with its own gunicorn, measure them side by side."""
    entry: dict[str, Any] = {"sizes": {}}
    loaded: dict[int, Loaded] = {}
    for size, url in urls.items():
        n_packages = max(20, round(size * args.packages_per_module))
        print(f"  {size} modules, {n_packages} packages: loading ...", flush=True)
        loaded[size] = load(url, size, n_packages)
        print("    loaded in " + ", ".join(
            f"{step} {seconds:.1f} s" for step, seconds in loaded[size].seconds.items()),
              flush=True)
        entry["sizes"][str(size)] = {"rows": loaded[size].rows,
                                     "load_seconds": loaded[size].seconds}
        if args.explain:
            entry["sizes"][str(size)]["plans"] = explain_searches(url)
    versions = {"": None} if args.baseline_tree is None else {
        "": None, BASELINE_SUFFIX: args.baseline_tree}
    with ExitStack() as stack:
        servers = {
            server_name(size, suffix): (
                stack.enter_context(gunicorn(url, args.workers, log, tree)), loaded[size])
            for size, url in urls.items() for suffix, tree in versions.items()}
        entry["responses"] = {}
        for name, (port, data) in servers.items():
            responses = describe_responses(port, data)
            entry["responses"][name] = responses
            print(f"  {name}: " + "; ".join(
                f"{s['query']['q']} {s['total']} found, {s['items']} shown"
                for s in responses["searches"]), flush=True)
        entry["runs"] = measure(servers, args)
    entry["summaries"] = {name: summarise(entry["runs"], name) for name in servers}
    if len(urls) > 1:
        entry["growth"] = growth(entry["runs"], database, min(urls), max(urls))
        if args.baseline_tree is not None:
            entry["baseline_growth"] = growth(entry["runs"], database, min(urls), max(urls),
                                              BASELINE_SUFFIX)
    return entry


def server_name(size: int, suffix: str = "") -> str:
    """How results name the server of a size and code version."""
    return f"{size}{suffix}"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and write the results."""
    args = parse_args(argv)
    import_models()
    results: dict[str, Any] = {
        "benchmark": "catalogue",
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "cpus": os.cpu_count(),
                    "databases": database_versions(args.pg_server, args.databases)},
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "requests": {"broad_searches": BROAD_SEARCHES, "selective_searches": SELECTIVE_SEARCHES,
                     "kinds": list(KINDS), "baseline": BASELINE},
        "targets": {"max_p95_growth": GROWTH_LIMIT, "postgresql_p95_ms_at_largest": P95_LIMIT_MS},
        "databases": {},
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    log = args.output.parent / "catalogue-gunicorn.log"
    for database in args.databases:
        print(f"{database}:", flush=True)
        databases = (sqlite_databases(args.sizes) if database == "sqlite"
                     else postgresql_databases(args.pg_server, args.sizes, args.pg_options))
        with databases as urls:
            results["databases"][database] = run_database(database, urls, args, log)
        args.output.write_text(json.dumps(results, indent=2, default=str))
    results["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    args.output.write_text(json.dumps(results, indent=2, default=str))
    print_tables(results)
    print(f"\nResults written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
