"""The launched pages in the launch's language: gettext catalogues (Babel) in lti/translations,
chosen per request from the launch's locale, English where no catalogue exists.

``make translations`` extracts the templates' texts and compiles the catalogues, as it does
for the syllabus.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.support import NullTranslations, Translations
from flask import g, render_template
from flask.sansio.app import App

TRANSLATIONS = Path(__file__).parent / "translations"
SOURCE_LANGUAGE = "en"


def page_language(locale: str | None) -> str:
    """The language of the pages for an LMS locale (``fr``, ``fr-CA``, ``fr_FR``): one with a
    catalogue, else English."""
    lang = (locale or "").replace("_", "-").split("-", 1)[0].lower()
    return lang if lang in available_languages() else SOURCE_LANGUAGE


@lru_cache(maxsize=1)
def available_languages() -> frozenset[str]:
    """English and every language with a compiled catalogue."""
    found = {path.parent.parent.name for path in TRANSLATIONS.glob("*/LC_MESSAGES/messages.mo")}
    return frozenset(found | {SOURCE_LANGUAGE})


@lru_cache(maxsize=16)
def translations(lang: str) -> NullTranslations:
    """The catalogue of ``lang`` (English: none)."""
    if lang == SOURCE_LANGUAGE:
        return NullTranslations()
    return Translations.load(str(TRANSLATIONS), [lang], domain="messages")


def _current() -> NullTranslations:
    found: NullTranslations | None = g.get("lti_translations")
    return found or translations(SOURCE_LANGUAGE)


def gettext(message: str) -> str:
    """``message`` in the request's language."""
    return _current().ugettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """``singular`` or ``plural`` for ``n``, in the request's language."""
    return _current().ungettext(singular, plural, n)


def init_jinja(app: App) -> None:
    """Give the app's templates ``_()``/``ngettext()`` (jinja2.ext.i18n), resolved per
    request; pages that choose no language stay English."""
    if "jinja2.ext.InternationalizationExtension" not in app.jinja_env.extensions:
        app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=gettext, ngettext=ngettext, newstyle=True)


def render_in(locale: str | None, template: str, **context: Any) -> str:
    """Render ``template`` in the language of ``locale``."""
    lang = page_language(locale)
    g.lti_translations = translations(lang)
    return render_template(template, page_lang=lang, **context)
