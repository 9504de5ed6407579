"""Rendering in a child process that is replaced every N renders.

WeasyPrint keeps about 0.7 MB per render in a long-lived process, and a pathological document
can take a core for minutes or bring the process down. The worker therefore renders in a
child: after ``renders_per_process`` renders the child exits and the next render starts a
fresh one; a render that outlives ``timeout`` seconds has its child killed; a child that dies
fails the render with what happened, and the parent carries on.

The child is started with ``spawn`` (no copy of the parent's database connections or
threads), ignores the Ctrl-C and SIGTERM meant for its parent (which stops it cleanly), and
asks Linux to kill it if its parent dies without doing so.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing
import os
import resource
import signal
import sys
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, Protocol

from exports.pdf import PdfMetadata, render_pdf

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1


class Renderer(Protocol):
    """Something that turns syllabus HTML into PDF bytes (:func:`exports.pdf.render_pdf`)."""

    def __call__(self, html: str, *, metadata: PdfMetadata) -> bytes:
        """The PDF of ``html``."""
        ...


class RenderFailed(RuntimeError):
    """The render raised, outlived its time, or its process died."""


def peak_memory_kib() -> int:
    """This process's peak resident memory (KiB on Linux)."""
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _die_with_parent(parent_pid: int) -> None:
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)


def _serve(connection: Connection, target: Renderer, parent_pid: int) -> None:
    """The child's loop: render what the parent sends until it sends ``None`` or goes away."""
    _die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        html, metadata = message
        try:
            answer: tuple[str, Any, int] = ("ok", target(html, metadata=metadata),
                                            peak_memory_kib())
        except Exception as error:
            answer = ("error", f"{type(error).__name__}: {error}"[:2000], peak_memory_kib())
        connection.send(answer)


class RenderProcess:
    """A :class:`Renderer` that renders in a child process, replaced every N renders."""

    def __init__(self, *, renders_per_process: int = 20, timeout: float = 300.0,
                 target: Renderer = render_pdf) -> None:
        if renders_per_process < 1:
            raise ValueError("renders_per_process must be at least 1")
        self.renders_per_process = renders_per_process
        self.timeout = timeout
        self.target = target
        self.renders = 0
        #: The PIDs of the children started so far, and the largest peak memory one reported.
        self.pids: list[int] = []
        self.peak_memory_kib = 0
        self._context = multiprocessing.get_context("spawn")
        self._process: BaseProcess | None = None
        self._connection: Connection | None = None
        self._renders_in_child = 0

    @property
    def pid(self) -> int | None:
        """The PID of the current child, if one runs."""
        return self._process.pid if self._process is not None else None

    def __call__(self, html: str, *, metadata: PdfMetadata) -> bytes:
        """The PDF of ``html``, rendered in the child; :class:`RenderFailed` if it is not."""
        connection = self._start()
        try:
            connection.send((html, metadata))
            ready = connection.poll(self.timeout)
        except (BrokenPipeError, OSError):
            ready = True  # the child is gone: recv() says so below
        if not ready:
            self._kill()
            raise RenderFailed(f"The render took longer than {self.timeout:g} s; its process "
                               "was stopped.")
        try:
            status, value, peak = connection.recv()
        except (EOFError, OSError):
            raise RenderFailed(f"The render process died ({self._reap()}).") from None
        self.renders += 1
        self._renders_in_child += 1
        self.peak_memory_kib = max(self.peak_memory_kib, peak)
        if self._renders_in_child >= self.renders_per_process:
            self.close()
        if status != "ok":
            raise RenderFailed(value)
        pdf: bytes = value
        return pdf

    def _start(self) -> Connection:
        if self._process is not None and self._connection is not None:
            if self._process.is_alive():
                return self._connection
            self._reap()
        parent_end, child_end = self._context.Pipe()
        process = self._context.Process(target=_serve, name="syllabus-render", daemon=True,
                                        args=(child_end, self.target, os.getpid()))
        process.start()
        child_end.close()
        self._process, self._connection = process, parent_end
        self._renders_in_child = 0
        assert process.pid is not None
        self.pids.append(process.pid)
        log.info("Render process %d started", process.pid)
        return parent_end

    def close(self, timeout: float = 10.0) -> None:
        """Let the child finish and exit (killing it if it does not)."""
        if self._process is None:
            return
        if self._connection is not None:
            with contextlib.suppress(BrokenPipeError, OSError):
                self._connection.send(None)
        self._process.join(timeout)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
        log.info("Render process %s stopped after %d renders", self._process.pid,
                 self._renders_in_child)
        self._forget()

    def _kill(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.join()
        self._forget()

    def _reap(self) -> str:
        """What became of a child that stopped answering (it is reaped and forgotten)."""
        process = self._process
        description = "it was gone"
        if process is not None:
            process.join(5)
            if process.is_alive():
                process.kill()
                process.join()
            code = process.exitcode
            if code is not None and code < 0:
                description = f"killed by {signal.Signals(-code).name}"
            elif code is not None:
                description = f"exit code {code}"
        self._forget()
        return description

    def _forget(self) -> None:
        if self._connection is not None:
            self._connection.close()
        if self._process is not None:
            self._process.close()
        self._process, self._connection = None, None

