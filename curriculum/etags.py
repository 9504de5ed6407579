"""Optimistic concurrency for edits: responses carry the revision as an ETag, and an edit sent
with ``If-Match`` fails with 412 when someone else changed the resource in between."""

from __future__ import annotations

from flask import request

from curriculum.errors import PreconditionFailed


def etag_for(revision: int) -> str:
    """The ETag of a resource at ``revision``."""
    return f'"r{revision}"'


def check_if_match(revision: int) -> None:
    """Refuse an edit whose ``If-Match`` names another revision than the stored one."""
    if_match = request.if_match
    if if_match and not if_match.star_tag and not if_match.contains(etag_for(revision)[1:-1]):
        raise PreconditionFailed(
                "Someone else changed this since you loaded it: reload, reapply your change "
                "and save again.",
                {"current_revision": revision},
            )

