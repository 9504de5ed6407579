"""The worker's render process: replaced every N renders, killed when it takes too long, and
a render that crashes or raises fails with a message while the next one works."""

from __future__ import annotations

import pytest

from exports.pdf import PdfMetadata
from exports.rendering import RenderFailed, RenderProcess
from tests.exports import render_targets
from tests.exports.conftest import pdf_reader

pytestmark = pytest.mark.usefixtures("no_stray_processes")

METADATA = PdfMetadata(title="A test")


def pid_of(pdf: bytes) -> int:
    """The PID a :func:`render_targets.pid_pdf` 'PDF' names."""
    return int(pdf.removeprefix(b"%PDF-from-"))


def test_the_render_process_is_replaced_after_n_renders():
    renderer = RenderProcess(renders_per_process=2, target=render_targets.pid_pdf)
    try:
        pids = [pid_of(renderer("<p>x</p>", metadata=METADATA)) for _ in range(5)]
    finally:
        renderer.close()
    assert pids[0] == pids[1] != pids[2] == pids[3] != pids[4]
    assert len(set(pids)) == 3 and renderer.pids == [pids[0], pids[2], pids[4]]
    assert renderer.renders == 5


def test_a_render_process_renders_real_pdfs_and_reports_its_peak_memory():
    renderer = RenderProcess(renders_per_process=5)
    try:
        pdf = renderer("<h1>Hello</h1>", metadata=METADATA)
    finally:
        renderer.close()
    assert pdf_reader(pdf).metadata.title == "A test"
    assert renderer.peak_memory_kib > 10_000


def test_a_render_whose_process_dies_fails_and_the_next_render_gets_a_new_process():
    renderer = RenderProcess(target=render_targets.crash)
    try:
        with pytest.raises(RenderFailed, match=r"The render process died \(killed by SIGKILL\)"):
            renderer("<p>x</p>", metadata=METADATA)
        renderer.target = render_targets.pid_pdf
        assert pid_of(renderer("<p>x</p>", metadata=METADATA)) == renderer.pids[-1]
        assert len(renderer.pids) == 2
    finally:
        renderer.close()


def test_a_render_that_takes_too_long_is_stopped():
    renderer = RenderProcess(timeout=0.5, target=render_targets.hang)
    try:
        with pytest.raises(RenderFailed, match=r"took longer than 0\.5 s; its process was stopped"):
            renderer("<p>x</p>", metadata=METADATA)
        assert renderer.pid is None
    finally:
        renderer.close()


def test_a_render_that_raises_fails_with_its_message_and_keeps_the_process():
    renderer = RenderProcess(target=render_targets.refuse)
    try:
        with pytest.raises(RenderFailed, match="ValueError: this document cannot be laid out"):
            renderer("<p>x</p>", metadata=METADATA)
        assert renderer.pid == renderer.pids[0]
    finally:
        renderer.close()
