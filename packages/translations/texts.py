"""Which texts of packages and modules can be translated, and how a translation knows its source.

A translatable text is named by a field: ``title``, ``description``, ``audience``,
``prerequisites``, ``learning_objectives`` and ``sections.N.title`` / ``sections.N.description``
(N from 0) for a package; ``title``, ``summary`` and ``learning_objectives`` for a module. The
lists (prerequisites, objectives) are translated as a whole, item for item.

The texts are read from the package's snapshot (:mod:`packages.snapshot`), so the working copy
and every published version name and hash their texts the same way: a translation stored with
the hash of the text it translates applies wherever that text still is, and nowhere else.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

#: The language the packages' and modules' own texts are written in.
SOURCE_LANGUAGE = "en"
#: The languages a text can be translated into: the other official UN languages.
TARGET_LANGUAGES = ("fr", "es", "ar", "ru", "zh")

PACKAGE_FIELDS = ("title", "description", "audience", "prerequisites", "learning_objectives")
MODULE_FIELDS = ("title", "summary", "learning_objectives")
LIST_FIELDS = frozenset({"prerequisites", "learning_objectives"})
#: Texts written over several lines (the others are one line: titles, list items).
MULTILINE_FIELDS = frozenset({"description", "audience", "summary"})
SECTION_FIELD = re.compile(r"sections\.(0|[1-9][0-9]{0,2})\.(title|description)")

#: A translated text: a string, or a list of strings for the list fields.
Text = str | list[str]


def text_hash(value: Text) -> str:
    """The fingerprint of a source text that a translation remembers."""
    canonical = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def is_list_field(field: str) -> bool:
    """Whether the field holds a list of texts (translated item for item)."""
    return field in LIST_FIELDS


def is_multiline_field(field: str) -> bool:
    """Whether the field's text may run over several lines."""
    return field in MULTILINE_FIELDS or field.endswith(".description")


def is_package_field(field: str) -> bool:
    """Whether a package can have a text by this name (whether or not it has one now)."""
    return field in PACKAGE_FIELDS or SECTION_FIELD.fullmatch(field) is not None


def is_module_field(field: str) -> bool:
    """Whether a module can have a text by this name."""
    return field in MODULE_FIELDS


def package_texts(snapshot: dict[str, Any]) -> dict[str, Text]:
    """The translatable texts of a package snapshot (without its modules), empty ones left out."""
    texts: dict[str, Any] = {field: snapshot.get(field) for field in PACKAGE_FIELDS}
    for index, section in enumerate(snapshot["sections"]):
        texts[f"sections.{index}.title"] = section.get("title")
        texts[f"sections.{index}.description"] = section.get("description")
    return {field: value for field, value in texts.items() if value}


def module_texts(module: dict[str, Any]) -> dict[str, Text]:
    """The translatable texts of a module (as a snapshot holds it), empty ones left out."""
    texts: dict[str, Any] = {field: module.get(field) for field in MODULE_FIELDS}
    return {field: value for field, value in texts.items() if value}


def source_problem(field: str, translation: Text, source: Text | None) -> str | None:
    """Why ``translation`` cannot translate ``source`` (``None`` when it can)."""
    if source is None:
        return "There is no text to translate in this field now."
    if isinstance(source, list) != isinstance(translation, list):
        return ("A list of texts, one per item of the original." if isinstance(source, list)
                else "A text, not a list.")
    if isinstance(source, list) and len(source) != len(translation):
        return (f"The original has {len(source)} items; the translation has "
                f"{len(translation)}. Translate them item for item.")
    return None
