"""Marshmallow fields and validators shared by every schema: text is trimmed and bounded."""

from __future__ import annotations

import re
from typing import Any

import marshmallow as ma
from babel import Locale, UnknownLocaleError

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LANGUAGE_PATTERN = re.compile(r"^[a-z]{2,3}$")


class Text(ma.fields.String):
    """A string without control characters, trimmed, between ``min`` and ``max`` characters.

    An empty string loads as ``None`` when the field allows ``None`` (unknown stays unknown).
    """

    def __init__(self, *, max_length: int, min_length: int = 1, multiline: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.max_length = max_length
        self.min_length = min_length
        self.multiline = multiline

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        text: str = super()._deserialize(value, attr, data, **kwargs)
        if CONTROL_CHARACTERS.search(text):
            raise ma.ValidationError("Control characters are not allowed.")
        text = text.strip() if self.multiline else " ".join(text.split())
        if not text:
            if self.allow_none:
                return None
            raise ma.ValidationError("Must not be empty.")
        if len(text) > self.max_length:
            raise ma.ValidationError(f"Longer than {self.max_length} characters "
                                     f"({len(text)}).")
        if len(text) < self.min_length:
            raise ma.ValidationError(f"Shorter than {self.min_length} characters.")
        return text


class Slug(ma.fields.String):
    """A slug: lowercase ASCII letters, digits and single hyphens."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        slug: str = super()._deserialize(value, attr, data, **kwargs)
        if len(slug) > 100 or not SLUG_PATTERN.match(slug):
            raise ma.ValidationError(
                "A slug has lowercase letters, digits and single hyphens (at most 100).")
        return slug


def TextList(*, item_max: int, max_items: int, **kwargs: Any) -> ma.fields.List:  # noqa: N802
    """A bounded list of bounded texts."""
    return ma.fields.List(Text(max_length=item_max), validate=ma.validate.Length(max=max_items),
                          **kwargs)


class HttpUrl(ma.fields.Url):
    """An absolute http(s) URL of at most 2000 characters."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(schemes={"http", "https"}, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, str):
            value = value.strip()
            if value == "" and self.allow_none:
                return None
            if len(value) > 2000:
                raise ma.ValidationError("Longer than 2000 characters.")
        return super()._deserialize(value, attr, data, **kwargs)


def validate_language(code: str) -> None:
    """An ISO 639 language code that Babel knows (``en``, ``fr``, ``ar`` ...)."""
    if not LANGUAGE_PATTERN.match(code):
        raise ma.ValidationError(f"'{code}' is not an ISO 639 language code such as 'en'.")
    try:
        Locale.parse(code)
    except (ValueError, UnknownLocaleError) as error:
        raise ma.ValidationError(f"'{code}' is not a known language code.") from error


class LanguageCode(ma.fields.String):
    """A language code, lower-cased and checked."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        code: str = super()._deserialize(value, attr, data, **kwargs).strip().lower()
        validate_language(code)
        return code
