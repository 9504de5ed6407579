"""Fixtures for the exports tests: the demo curriculum, and PDF text helpers."""

from __future__ import annotations

import io
import multiprocessing
import os
import re
from collections.abc import Iterator
from multiprocessing import resource_tracker
from pathlib import Path

import pytest
from flask.testing import FlaskCliRunner
from pypdf import PdfReader


@pytest.fixture
def demo(runner: FlaskCliRunner) -> None:
    """The seven published demo packages."""
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output


def pdf_reader(data: bytes) -> PdfReader:
    """A reader on PDF bytes."""
    assert data.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(data))


def page_texts(reader: PdfReader) -> list[str]:
    """Each page's text with whitespace runs made single spaces."""
    return [flat(page.extract_text() or "") for page in reader.pages]


def flat(text: str) -> str:
    """Whitespace runs (line breaks included) as single spaces."""
    return re.sub(r"\s+", " ", text).strip()


def child_pids() -> set[int]:
    """The PIDs of this process's living children (read from /proc; no psutil)."""
    found = set()
    me = str(os.getpid())
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
        fields = stat[stat.rindex(")") + 2:].split()
        if fields[1] == me and fields[0] != "Z":
            found.add(int(entry.name))
    return found


@pytest.fixture
def no_stray_processes() -> Iterator[None]:
    """Fails the test if it leaves a child process running.

    multiprocessing's resource tracker (one per process, it lives as long as pytest does and
    is started by the first spawned child) is no stray: it is started first.
    """
    resource_tracker.ensure_running()
    before = child_pids()
    yield
    assert multiprocessing.active_children() == []
    assert child_pids() - before == set()
