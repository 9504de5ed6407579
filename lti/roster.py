"""Course rosters from the platform (Names and Role Provisioning Services 2.0).

The roster is read from the context's memberships URL with a service token, page by page
(``Link: <...>; rel="next"``), and kept as users and memberships, so that a trainer sees the
learners who never opened the activity too. A roster read less than ``max_age`` ago is not read
again; when the platform does not offer the service or refuses it, the trainer sees those who
launched, with the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from sqlalchemy.orm import Session

from curriculum.db import upsert, utcnow
from lti.claims import MEMBERSHIP_ROLE
from lti.models import LmsContext, LmsUser, Membership, Registration
from lti.registrations import HTTP_TIMEOUT
from lti.service_tokens import TokenRefused, access_token, forget_token

NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
MEMBERSHIPS_MEDIA_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
#: A roster longer than this many pages is read no further (a loop of links, or a huge course).
PAGE_CAP = 50
PAGE_SIZE = 100
MEMBER_CAP = 10_000
ANSWER_LIMIT = 300
_LINK = re.compile(r'<([^>]*)>\s*;[^,]*?\brel="?([^",;]*)"?')
#: Context roles of LIS v2 that NRPS may send in short form ("Learner").
_CONTEXT_ROLES = {"Administrator", "ContentDeveloper", "Instructor", "Learner", "Mentor",
                  "Manager", "Member", "Officer"}


class RosterUnavailable(Exception):
    """The roster could not be read; the message says why, for the trainer."""


@dataclass(frozen=True)
class RosterFetch:
    """What one reading of a roster brought."""

    members: int
    pages: int
    complete: bool


def normalise_role(role: str) -> str:
    """A role as a full URI: NRPS short forms (Moodle's ``"Learner"``,
    ``"Instructor#TeachingAssistant"``) become membership role URIs."""
    role = role.strip()
    if role.split("#", 1)[0] in _CONTEXT_ROLES:
        head, _, sub = role.partition("#")
        return MEMBERSHIP_ROLE + head if not sub else (
            f"http://purl.imsglobal.org/vocab/lis/v2/membership/{head}#{sub}")
    return role


def next_link(header: str | None) -> str | None:
    """The ``rel="next"`` URL of a ``Link`` header (Canvas sends several rels)."""
    for url, rels in _LINK.findall(header or ""):
        if "next" in rels.split():
            return url
    return None


def first_page(url: str) -> str:
    """The memberships URL asking for pages of :data:`PAGE_SIZE` (Canvas sends 10 a page
    unless asked; platforms answer at most what they allow)."""
    if "limit=" in urlsplit(url).query:
        return url
    return url + ("&" if "?" in url else "?") + urlencode({"limit": PAGE_SIZE})


def roster_refusal(registration: Registration, context: LmsContext) -> str | None:
    """Why this course's roster cannot be asked for, or ``None`` when it can."""
    if not context.memberships_url:
        return ("The LMS did not offer this course's roster (Names and Role Provisioning "
                "Services) with the launch.")
    granted = registration.granted_scopes
    if granted is not None and NRPS_SCOPE not in granted:
        return "The LMS did not grant this tool access to course rosters."
    return None


def roster_is_fresh(context: LmsContext, max_age: timedelta, now: datetime | None = None
                    ) -> bool:
    """Whether the roster was read less than ``max_age`` ago."""
    fetched = context.roster_fetched_at
    return fetched is not None and fetched > (now or utcnow()) - max_age


def fetch_roster(session: Session, registration: Registration, context: LmsContext, *,
                 http: requests.Session | None = None) -> RosterFetch:
    """Read the course roster from the platform and keep it (users and memberships,
    flushed); :class:`RosterUnavailable` when it cannot be read."""
    refusal = roster_refusal(registration, context)
    if refusal:
        raise RosterUnavailable(refusal)
    http = http or requests.Session()
    url: str | None = first_page(context.memberships_url or "")
    members: list[dict[str, Any]] = []
    pages = 0
    while url and pages < PAGE_CAP and len(members) < MEMBER_CAP:
        body, url = _page(session, registration, http, url)
        pages += 1
        found = body.get("members")
        if not isinstance(found, list):
            raise RosterUnavailable("The LMS answered a roster without members.")
        members.extend(m for m in found if isinstance(m, dict))
    kept = store_members(session, registration, context, members[:MEMBER_CAP])
    context.roster_fetched_at = utcnow()
    session.flush()
    return RosterFetch(members=kept, pages=pages, complete=url is None)


def _page(session: Session, registration: Registration, http: requests.Session, url: str
          ) -> tuple[dict[str, Any], str | None]:
    """One page of the roster and the next page's URL; a 401 asks for a new token once."""
    for attempt in (1, 2):
        try:
            token = access_token(session, registration, [NRPS_SCOPE], http=http)
        except TokenRefused as refused:
            raise RosterUnavailable(f"The LMS refused a roster token: {refused}") from refused
        try:
            answer = http.get(url, timeout=HTTP_TIMEOUT, allow_redirects=False, headers={
                "Authorization": f"Bearer {token}", "Accept": MEMBERSHIPS_MEDIA_TYPE})
        except requests.RequestException as error:
            raise RosterUnavailable(f"The LMS's roster service could not be reached "
                                    f"({type(error).__name__}).") from error
        if answer.status_code == 401 and attempt == 1:
            forget_token(registration.id, [NRPS_SCOPE])
            continue
        if answer.status_code != 200:
            raise RosterUnavailable(f"The LMS's roster service answered {answer.status_code}: "
                                    f"{answer.text[:ANSWER_LIMIT]}")
        try:
            body = answer.json()
        except ValueError as error:
            raise RosterUnavailable("The LMS's roster service answered something other than "
                                    "JSON.") from error
        if not isinstance(body, dict):
            raise RosterUnavailable("The LMS's roster service answered an unexpected shape.")
        return body, next_link(answer.headers.get("Link"))
    raise RosterUnavailable("The LMS refused the roster token twice.")  # pragma: no cover


def _text(value: Any, limit: int) -> str | None:
    return str(value)[:limit] if isinstance(value, (str, int)) and str(value) else None


def store_members(session: Session, registration: Registration, context: LmsContext,
                  members: list[dict[str, Any]]) -> int:
    """Upsert the roster's people and their memberships of the course; how many were kept.

    Names and email are written only when the roster sends them (a privacy setting may hide
    them): what a launch told before stays.
    """
    now = utcnow()
    kept = 0
    for member in members:
        sub = _text(member.get("user_id"), 255)
        if not sub:
            continue
        values: dict[str, Any] = {}
        for field, limit in (("name", 300), ("given_name", 200), ("family_name", 200),
                             ("email", 320)):
            value = _text(member.get(field), limit)
            if value:
                values[field] = value
        user = upsert(session, LmsUser, {"registration_id": registration.id, "sub": sub},
                      values, values or {"sub": sub})
        roles = member.get("roles")
        role_list = ([normalise_role(str(r))[:300] for r in roles][:50]
                     if isinstance(roles, list) else [])
        upsert(session, Membership, {"context_id": context.id, "user_id": user.id},
               {"roles": role_list, "status": _text(member.get("status"), 20) or "Active",
                "updated_at": now})
        kept += 1
    return kept
