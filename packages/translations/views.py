"""The translations API: ``/api/v1/packages/<slug>/translations`` and
``/api/v1/modules/<slug>/translations``."""

from __future__ import annotations

from typing import Any

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from curriculum.accounts.auth import is_editor, require_role
from curriculum.accounts.models import Role
from curriculum.api import SECURED
from curriculum.db import get_session
from curriculum.inventory.services import get_module
from packages.services import get_package
from packages.translations import services
from packages.translations.schemas import (
    MAX_TEXT_BYTES,
    LanguageTranslationSchema,
    TranslationInputSchema,
    TranslationsSchema,
)

translations_blp = Blueprint(
    "translations", __name__,
    description="Translations of the packages' and modules' own texts into French, Spanish, "
                "Arabic, Russian and Chinese (English is the original), used by the PDF "
                "syllabi and the catalogue")

EDITOR = require_role(Role.EDITOR)
PUT_DOC = ("Replace the translation into `lang` (fr, es, ar, ru, zh): each text is stored "
           "against the original as it is now; a field left out loses its translation. A text "
           "sent back unchanged keeps the original it was stored against, so an outdated "
           "translation stays outdated until its text is revised. The body is at most 100 kB.")


@translations_blp.before_request
def _limit_body() -> None:
    """Translations are small: refuse a larger body before reading it (413)."""
    if request.method == "PUT":
        request.max_content_length = MAX_TEXT_BYTES


def _package(slug: str) -> Any:
    """A package whose translations the caller may read (drafts are for editors)."""
    return get_package(get_session(), slug, published_only=not is_editor())


def _public(listing: dict[str, Any]) -> dict[str, Any]:
    """A package's originals are its draft texts: shown to editors only."""
    return listing if is_editor() else {**listing, "source": {}}


@translations_blp.route("/packages/<slug>/translations")
class PackageTranslations(MethodView):
    """The translations of a package's texts."""

    @translations_blp.response(200, TranslationsSchema)
    def get(self, slug: str) -> Any:
        """Every language's translations of the package's texts, each current or outdated."""
        return _public(services.package_translations(get_session(), _package(slug)))


@translations_blp.route("/packages/<slug>/translations/<lang>")
class PackageTranslationByLang(MethodView):
    """A package's texts in one language."""

    @EDITOR
    @translations_blp.arguments(TranslationInputSchema)
    @translations_blp.response(200, LanguageTranslationSchema)
    @translations_blp.doc(security=SECURED, description=PUT_DOC)
    def put(self, data: dict[str, Any], slug: str, lang: str) -> Any:
        """Store the package's translation into one language."""
        session = get_session()
        return services.store_package_translation(session, get_package(session, slug), lang,
                                                  data["texts"])

    @EDITOR
    @translations_blp.response(204)
    @translations_blp.doc(security=SECURED)
    def delete(self, slug: str, lang: str) -> None:
        """Remove the package's translation into one language."""
        session = get_session()
        services.delete_package_translation(session, get_package(session, slug), lang)


@translations_blp.route("/modules/<slug>/translations")
class ModuleTranslations(MethodView):
    """The translations of a module's texts."""

    @translations_blp.response(200, TranslationsSchema)
    def get(self, slug: str) -> Any:
        """Every language's translations of the module's texts, each current or outdated."""
        session = get_session()
        return services.module_translations(session, get_module(session, slug))


@translations_blp.route("/modules/<slug>/translations/<lang>")
class ModuleTranslationByLang(MethodView):
    """A module's texts in one language."""

    @EDITOR
    @translations_blp.arguments(TranslationInputSchema)
    @translations_blp.response(200, LanguageTranslationSchema)
    @translations_blp.doc(security=SECURED, description=PUT_DOC)
    def put(self, data: dict[str, Any], slug: str, lang: str) -> Any:
        """Store the module's translation into one language."""
        session = get_session()
        return services.store_module_translation(session, get_module(session, slug), lang,
                                                 data["texts"])

    @EDITOR
    @translations_blp.response(204)
    @translations_blp.doc(security=SECURED)
    def delete(self, slug: str, lang: str) -> None:
        """Remove the module's translation into one language."""
        session = get_session()
        services.delete_module_translation(session, get_module(session, slug), lang)
