"""Stand-ins for WeasyPrint that a render process runs (importable by its spawned child)."""

from __future__ import annotations

import os
import signal
import time

from exports.pdf import PdfMetadata


def pid_pdf(html: str, *, metadata: PdfMetadata) -> bytes:
    """A 'PDF' naming the process that made it."""
    return f"%PDF-from-{os.getpid()}".encode()


def crash(html: str, *, metadata: PdfMetadata) -> bytes:
    """The process dies in the middle of the render, as a segfault or the OOM killer does."""
    os.kill(os.getpid(), signal.SIGKILL)
    raise AssertionError("unreachable")


def hang(html: str, *, metadata: PdfMetadata) -> bytes:
    """A render that never ends."""
    time.sleep(600)
    raise AssertionError("unreachable")


def refuse(html: str, *, metadata: PdfMetadata) -> bytes:
    """A render that raises."""
    raise ValueError("this document cannot be laid out")
