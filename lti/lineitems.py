"""The line item a placed link's scores go to: the one the launch named, else found or created
in the course's container when the platform granted the lineitem scope; and its maximum.

Runs in the delivering worker's thread before a batch is sent: HTTP outside any transaction,
then a short transaction that stores the line item on the link only if no other worker stored
one meanwhile (a line item this worker created in vain is deleted again), so a link gets one.
"""

from __future__ import annotations

from collections import defaultdict
from contextlib import suppress
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

import requests
from sqlalchemy import select, update

from curriculum.db import Database
from lti.ags import (
    AgsError,
    Answer,
    FoundLineItem,
    Timeout,
    Verdict,
    create_lineitem,
    delete_lineitem,
    find_lineitem,
    read_lineitem,
)
from lti.deep_linking import SCORE_MAXIMUM
from lti.models import LineItem, Registration, ResourceLink
from lti.outbox import AGS_SCOPE, LINEITEM_SCOPE
from lti.service_tokens import TokenRefused, access_token

if TYPE_CHECKING:
    from lti.delivery import ClaimedScore

READONLY_SCOPE = AGS_SCOPE + "lineitem.readonly"
NO_LINEITEM = ("The platform named no line item for this link and did not grant the tool the "
               "lineitem scope to create one: allow the tool to manage grade columns in the "
               "LMS (Moodle: 'use this service for grade sync and column management'), then "
               "retry.")


def token_answer(error: TokenRefused) -> Answer:
    """A refused or unreachable token endpoint, as an answer for the scores that needed it."""
    if error.status is None or error.status >= 500:
        return Answer(Verdict.UNAVAILABLE, error.status, str(error))
    return Answer(Verdict.REFUSED, error.status, str(error))


class LineItemResolver:
    """Gives claimed scores their line item URL and maximum, once per link and batch."""

    def __init__(self, database: Database, http: requests.Session, timeout: Timeout,
                 now: datetime) -> None:
        self.database = database
        self.http = http
        self.timeout = timeout
        self.now = now

    def resolve(self, claims: list[ClaimedScore]
                ) -> tuple[list[ClaimedScore], list[tuple[ClaimedScore, Answer]]]:
        """The claims ready to send, and the answers of those that cannot be sent now."""
        ready = [claim for claim in claims
                 if claim.lineitem_url and claim.score_maximum is not None]
        by_link: defaultdict[int, list[ClaimedScore]] = defaultdict(list)
        for claim in claims:
            if not (claim.lineitem_url and claim.score_maximum is not None):
                by_link[claim.link_pk].append(claim)
        unresolved: list[tuple[ClaimedScore, Answer]] = []
        for group in by_link.values():
            try:
                url, maximum = self._resolve(group[0])
            except AgsError as error:
                unresolved += [(claim, error.answer) for claim in group]
                continue
            except TokenRefused as error:
                unresolved += [(claim, token_answer(error)) for claim in group]
                continue
            ready += [replace(claim, lineitem_url=url, score_maximum=maximum)
                      for claim in group]
        return ready, unresolved

    def _token(self, claim: ClaimedScore, scope: str) -> str:
        session = self.database.new_session(write=False)
        try:
            registration = session.get(Registration, claim.registration_id)
            assert registration is not None
            return access_token(session, registration, [scope], http=self.http)
        finally:
            session.close()

    def _resolve(self, claim: ClaimedScore) -> tuple[str, float]:
        if claim.lineitem_url:
            return claim.lineitem_url, self._maximum(claim, claim.lineitem_url)
        if LINEITEM_SCOPE not in claim.scopes or not claim.lineitems_url:
            raise AgsError(Answer(Verdict.REFUSED, None, NO_LINEITEM))
        token = self._token(claim, LINEITEM_SCOPE)
        found = find_lineitem(self.http, token, claim.lineitems_url, claim.link_id,
                              timeout=self.timeout, now=self.now)
        if found is None:
            found = create_lineitem(
                self.http, token, claim.lineitems_url, label=claim.link_title or "GMG training",
                score_maximum=SCORE_MAXIMUM, resource_link_id=claim.link_id,
                resource_id=claim.resource_id, timeout=self.timeout, now=self.now)
        url = self._store(claim, found)
        if url != found.url and found.created:
            # An empty extra column if this fails; the scores go to the stored one anyway.
            with suppress(AgsError):
                delete_lineitem(self.http, token, found.url, timeout=self.timeout, now=self.now)
        return url, found.score_maximum if url == found.url else SCORE_MAXIMUM

    def _maximum(self, claim: ClaimedScore, url: str) -> float:
        """The named line item's maximum, read once when the platform lets the tool read it;
        else the maximum this tool gives the columns it creates."""
        readable = [s for s in (LINEITEM_SCOPE, READONLY_SCOPE) if s in claim.scopes]
        if not readable:
            return float(SCORE_MAXIMUM)
        try:
            found = read_lineitem(self.http, self._token(claim, readable[0]), url,
                                  timeout=self.timeout, now=self.now)
        except (AgsError, TokenRefused):
            return float(SCORE_MAXIMUM)  # send now; read it again next time
        if found is None:
            return float(SCORE_MAXIMUM)
        self._store(claim, found)
        return found.score_maximum

    def _store(self, claim: ClaimedScore, found: FoundLineItem) -> str:
        """Keep the line item on the link unless another worker kept one first; the URL kept."""
        with self.database.transaction() as session:
            stored = session.execute(update(ResourceLink).where(
                ResourceLink.id == claim.link_pk,
                (ResourceLink.lineitem_url.is_(None)) | (ResourceLink.lineitem_url == found.url)
            ).values(lineitem_url=found.url)).rowcount  # type: ignore[attr-defined]
            if not stored:
                current = session.scalar(select(ResourceLink.lineitem_url).where(
                    ResourceLink.id == claim.link_pk))
                return current or found.url
            session.add(LineItem(resource_link_id=claim.link_pk, url=found.url,
                                 label=(found.label or claim.link_title or "")[:500] or None,
                                 score_maximum=found.score_maximum,
                                 resource_id=claim.resource_id,
                                 tag="completion" if found.created else None))
        return found.url
