"""Presentation helpers for templates: durations, language names, dates."""

from __future__ import annotations

from datetime import datetime

from babel import Locale, UnknownLocaleError
from flask import Flask


def format_duration(minutes: int | None) -> str:
    """``50 min``, ``7 h 30 min``, ``42 h``; ``unknown`` when no source gave one."""
    if minutes is None:
        return "unknown"
    hours, rest = divmod(int(minutes), 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def language_name(code: str, display: str = "en") -> str:
    """The name of a language (``fr`` -> ``French``), or the code when Babel does not know it."""
    try:
        name = Locale.parse(code).get_display_name(display)
    except (ValueError, UnknownLocaleError):
        return code
    return name[:1].upper() + name[1:] if name else code


def format_date(value: datetime | None) -> str:
    """``27 November 2026``."""
    return f"{value.day} {value:%B %Y}" if value else ""


def init_app(app: Flask) -> None:
    """Make the helpers available as Jinja filters."""
    app.add_template_filter(format_duration, "duration")
    app.add_template_filter(language_name, "language_name")
    app.add_template_filter(format_date, "date")
