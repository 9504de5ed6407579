"""Marshmallow schemas of the translations API (and of the files the CLI imports)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from curriculum.fields import check_characters
from packages.translations.texts import Text, is_list_field, is_multiline_field

#: The most a translated text (or a whole request) may hold: 100 kB of UTF-8.
MAX_TEXT_BYTES = 100 * 1024
MAX_LIST_ITEMS = 100
MAX_FIELDS = 500


def clean_text(value: Any, *, multiline: bool) -> str:
    """A translated text, trimmed (and made one line unless ``multiline``), or
    :class:`marshmallow.ValidationError`."""
    if not isinstance(value, str):
        raise ma.ValidationError("Must be a text.")
    check_characters(value)
    text = value.strip() if multiline else " ".join(value.split())
    if not text:
        raise ma.ValidationError("Must not be empty.")
    if len(text.encode()) > MAX_TEXT_BYTES:
        raise ma.ValidationError(f"Longer than {MAX_TEXT_BYTES // 1024} kB.")
    return text


def clean_value(field: str, value: Any) -> Text:
    """A field's translated value: a text, or a list of texts for the list fields."""
    if not is_list_field(field):
        return clean_text(value, multiline=is_multiline_field(field))
    if not isinstance(value, list):
        raise ma.ValidationError("Must be a list of texts, one per item of the original.")
    if not value or len(value) > MAX_LIST_ITEMS:
        raise ma.ValidationError(f"Must have from 1 to {MAX_LIST_ITEMS} items.")
    items = []
    for index, item in enumerate(value):
        try:
            items.append(clean_text(item, multiline=False))
        except ma.ValidationError as error:
            raise ma.ValidationError(f"Item {index}: {error.messages[0]}") from error
    if len("".join(items).encode()) > MAX_TEXT_BYTES:
        raise ma.ValidationError(f"Longer than {MAX_TEXT_BYTES // 1024} kB in all.")
    return items


class TranslationInputSchema(ma.Schema):
    """A language's translation: every translated text by field name (a field left out has
    no translation)."""

    texts = ma.fields.Dict(
        data_key="fields", required=True,
        keys=ma.fields.String(validate=ma.validate.Length(min=1, max=80)), values=ma.fields.Raw(),
        validate=ma.validate.Length(max=MAX_FIELDS),
        metadata={"description": "Field name to text: `title`, `description`, `audience`, "
                                 "`prerequisites` (a list), `learning_objectives` (a list), "
                                 "`sections.N.title`, `sections.N.description` (N from 0) "
                                 "for a package; `title`, `summary`, `learning_objectives` "
                                 "for a module",
                  "example": {"title": "Enfants, protection et déplacement"}})

    @ma.post_load
    def _clean(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        errors: dict[str, list[str]] = {}
        cleaned: dict[str, Text] = {}
        for field, value in data["texts"].items():
            try:
                cleaned[field] = clean_value(field, value)
            except ma.ValidationError as error:
                errors[f"fields.{field[:80]}"] = [str(m) for m in _messages(error)]
        if errors:
            raise ma.ValidationError(errors)
        return {"texts": cleaned}


def _messages(error: ma.ValidationError) -> list[Any]:
    messages = error.messages
    return messages if isinstance(messages, list) else [messages]


class TranslatedTextSchema(ma.Schema):
    """One translated text."""

    text = ma.fields.Raw(metadata={"description": "A text, or a list of texts"})
    status = ma.fields.String(metadata={
        "description": "`current`: it translates the text as it is now; `outdated`: the "
                       "original changed since (it is not used where the original changed)"})
    updated_at = ma.fields.DateTime()


class LanguageTranslationSchema(ma.Schema):
    """A package's or module's texts in one language."""

    lang = ma.fields.String()
    name = ma.fields.String()
    fields = ma.fields.Dict(  # type: ignore[assignment]  # a field named "fields"
        keys=ma.fields.String(), values=ma.fields.Nested(TranslatedTextSchema))
    missing = ma.fields.List(ma.fields.String(), metadata={
        "description": "Texts of the original with no current translation in this language"})


class TranslationsSchema(ma.Schema):
    """Every language's translations of a package's or module's texts."""

    source_language = ma.fields.String()
    source = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Raw(), metadata={
        "description": "The original texts as they are now (for editors)"})
    languages = ma.fields.List(ma.fields.Nested(LanguageTranslationSchema))
