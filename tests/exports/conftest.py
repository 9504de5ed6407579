"""Fixtures for the exports tests: the demo curriculum, and PDF text helpers."""

from __future__ import annotations

import io
import re

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
