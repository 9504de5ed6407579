"""Verification codes of certificates: random, unguessable, and easy to read out and type.

A code is 12 characters from an alphabet without the look-alikes 0/O and 1/I (60 bits from
the operating system's random source), written in groups of four: ``K7QM-4XPT-9HDR``. Readers
may type it in either case, with or without the dashes, with spaces.
"""

from __future__ import annotations

import re
import secrets

from curriculum.errors import BadRequest

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
LENGTH = 12
GROUP = 4
#: What a reader may put between the characters: spaces, dashes of every width, dots.
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212.]+")
#: Longer input is not a mistyped code, and is not worth reading further.
_MAX_INPUT = 64
EXAMPLE = "K7QM-4XPT-9HDR"


class MalformedCode(BadRequest):
    """Input that cannot be a verification code (wrong length or characters)."""

    template = "exports/certificate_missing.html"


def new_code() -> str:
    """A fresh random code, without dashes (``K7QM4XPT9HDR``)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise_code(text: str) -> str:
    """The stored form of a code as a person typed it, or :class:`MalformedCode` saying why."""
    if len(text) > _MAX_INPUT:
        raise _malformed(f"That is {len(text)} characters long")
    code = _SEPARATORS.sub("", text).upper()
    if len(code) != LENGTH:
        raise _malformed(f"That has {len(code)} letters and digits")
    wrong = sorted({char for char in code if char not in ALPHABET})
    if wrong:
        shown = " ".join(repr(char) for char in wrong[:5])
        raise _malformed(f"Codes never contain {shown}")
    return code


def format_code(code: str) -> str:
    """``K7QM4XPT9HDR`` -> ``K7QM-4XPT-9HDR``."""
    return "-".join(code[i:i + GROUP] for i in range(0, len(code), GROUP))


def _malformed(reason: str) -> MalformedCode:
    message = (f"{reason}: a verification code has {LENGTH} letters and digits, like "
               f"{EXAMPLE} (never 0, 1, I or O).")
    return MalformedCode(message, {"code": [message]})
