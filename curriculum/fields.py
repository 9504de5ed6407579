"""Marshmallow fields and validators shared by every schema: text is trimmed and bounded."""

from __future__ import annotations

import re
from typing import Any

import marshmallow as ma
from babel import Locale, UnknownLocaleError

from curriculum.text import SLUG_PATTERN

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: Halves of UTF-16 surrogate pairs: JSON can escape them ("\\ud800") but no database stores them.
LONE_SURROGATES = re.compile(r"[\ud800-\udfff]")
LANGUAGE_PATTERN = re.compile(r"[a-z]{2,3}")


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
        check_characters(text)
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


def check_characters(text: str) -> None:
    """Refuse control characters and lone surrogates (tab and line breaks are fine)."""
    if CONTROL_CHARACTERS.search(text):
        raise ma.ValidationError("Control characters are not allowed.")
    if LONE_SURROGATES.search(text):
        raise ma.ValidationError("Not valid Unicode text (a lone surrogate).")


class Slug(ma.fields.String):
    """A slug: lowercase ASCII letters, digits and single hyphens."""

    def __init__(self, *, max_length: int = 100, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.max_length = max_length

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        slug: str = super()._deserialize(value, attr, data, **kwargs)
        # fullmatch: with match, "$" would let a trailing newline through.
        if len(slug) > self.max_length or not SLUG_PATTERN.fullmatch(slug):
            raise ma.ValidationError("A slug has lowercase letters, digits and single hyphens "
                                     f"(at most {self.max_length}).")
        return slug


def TextList(*, item_max: int, max_items: int, **kwargs: Any) -> ma.fields.List:
    """A bounded list of bounded texts."""
    return ma.fields.List(Text(max_length=item_max), validate=ma.validate.Length(max=max_items),
                          **kwargs)


class HttpUrl(ma.fields.Url):
    """An absolute http(s) URL of at most 2000 characters."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(schemes={"http", "https"}, **kwargs)

    def deserialize(self, value: Any, attr: str | None = None, data: Any = None,
                    **kwargs: Any) -> Any:
        """An empty URL is unknown (``None``) where unknown is allowed."""
        # Here, not in _deserialize: the URL validator runs on what _deserialize returns.
        if isinstance(value, str) and not value.strip() and self.allow_none:
            value = None
        return super().deserialize(value, attr, data, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, str):
            value = value.strip()
            if len(value) > 2000:
                raise ma.ValidationError("Longer than 2000 characters.")
            check_characters(value)
        return super()._deserialize(value, attr, data, **kwargs)


def validate_language(code: str) -> None:
    """An ISO 639 language code that Babel knows (``en``, ``fr``, ``ar`` ...)."""
    if not LANGUAGE_PATTERN.fullmatch(code):
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
