"""Text helpers shared by every part: slugs, sanitised HTML and search keys."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

import nh3
from slugify import slugify

SLUG_MAX_LENGTH = 100
SLUG_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")

#: Tags allowed in hosted module content: structure and emphasis, no scripts, no styles.
ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "div", "dl", "dt", "em",
    "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "li", "ol", "p",
    "pre", "q", "s", "section", "small", "span", "strong", "sub", "sup", "table", "tbody",
    "td", "tfoot", "th", "thead", "tr", "u", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "hreflang"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "abbr": {"title"},
    "*": {"lang", "dir"},
}


def make_slug(text: str, max_length: int = SLUG_MAX_LENGTH) -> str:
    """A URL-safe ASCII slug of ``text`` (transliterated), never empty."""
    slug = slugify(text, max_length=max_length, word_boundary=True)
    return slug or "item"


def unique_slug(text: str, is_taken: Callable[[str], bool]) -> str:
    """``make_slug(text)``, suffixed ``-2``, ``-3``... until ``is_taken`` says it is free."""
    base = make_slug(text)
    candidate, counter = base, 2
    while is_taken(candidate):
        suffix = f"-{counter}"
        candidate = base[: SLUG_MAX_LENGTH - len(suffix)].rstrip("-") + suffix
        counter += 1
    return candidate


def is_slug(text: str) -> bool:
    """Whether ``text`` has the form of a slug (a URL path can hold anything, even NUL)."""
    return len(text) <= SLUG_MAX_LENGTH and SLUG_PATTERN.fullmatch(text) is not None


def sanitise_html(html: str | None) -> str | None:
    """Module HTML with scripts, styles, event handlers and unsafe URLs removed."""
    if html is None:
        return None
    cleaned: str = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
    cleaned = cleaned.strip()
    return cleaned or None


def search_key(parts: Iterable[str | None]) -> str:
    """The case-folded text a search matches against."""
    return "\n".join(part for part in parts if part).casefold()


def clean_line(value: str | None) -> str | None:
    """Trim a single-line text; an empty one is unknown (``None``)."""
    if value is None:
        return None
    value = " ".join(value.split())
    return value or None
