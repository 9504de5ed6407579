"""The AGS client (Assignment and Grade Services 2.0): line items found or created for a placed
link, and scores posted to ``{lineitem}/scores``, each answer classified for the outbox.

Plain HTTP with ``requests``: timeouts on every call, no redirects (a platform that redirects a
service call is misconfigured; following it could send the bearer token elsewhere). Nothing here
touches the database: :mod:`lti.delivery` decides what to send and records what came back.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests

SCORE_MEDIA_TYPE = "application/vnd.ims.lis.v1.score+json"
LINEITEM_MEDIA_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
LINEITEMS_MEDIA_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
ANSWER_LIMIT = 1000
#: Line item container pages followed at most (a loop of ``next`` links must end).
MAX_PAGES = 50
Timeout = float | tuple[float, float]

_STALE = re.compile(r"timestamp.{0,80}(before|earlier|older|not newer|stale)", re.I | re.S)
_NEXT = re.compile(r'<([^>]+)>\s*;[^,]*rel="?next"?', re.I)


class Verdict(enum.Enum):
    """What a platform's answer means for the score."""

    #: In the gradebook: 2xx, or refused as not newer than what the platform holds.
    DELIVERED = "delivered"
    #: The token was refused (401): forget it and try once more with a new one.
    UNAUTHORIZED = "unauthorized"
    #: Throttled (429, Canvas's 403 "Rate Limit Exceeded"): later, and not a failure.
    RATE_LIMITED = "rate_limited"
    #: The platform could not answer (5xx, timeout, connection error): retry with backoff.
    UNAVAILABLE = "unavailable"
    #: The platform refused the score (another 4xx): retry with backoff, keep its answer.
    REFUSED = "refused"


@dataclass(frozen=True)
class Answer:
    """A classified answer: the verdict, the HTTP status (``None``: no answer), the platform's
    words (or what went wrong), and for rate limits how long it asked us to wait."""

    verdict: Verdict
    status: int | None
    text: str
    retry_after: float | None = None


class AgsError(Exception):
    """A line item call that did not succeed, with its classified answer."""

    def __init__(self, answer: Answer) -> None:
        super().__init__(answer.text)
        self.answer = answer


def scores_url(lineitem_url: str) -> str:
    """``{lineitem}/scores`` with the line item's query kept (Moodle's ``?type_id=N``)."""
    parts = urlsplit(lineitem_url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/scores", fragment=""))


def iso_timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with milliseconds (``2026-11-28T03:04:05.678Z``)."""
    text = moment.astimezone(UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def score_body(*, user_sub: str, progress: float, score_maximum: float,
               activity_progress: str, grading_progress: str,
               timestamp: datetime) -> dict[str, Any]:
    """The score as AGS wants it: ``scoreGiven`` is the share done times the maximum."""
    return {"userId": user_sub, "scoreGiven": round(progress * score_maximum, 4),
            "scoreMaximum": score_maximum, "activityProgress": activity_progress,
            "gradingProgress": grading_progress, "timestamp": iso_timestamp(timestamp)}


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """``Retry-After`` in seconds, given as seconds or as an HTTP date; ``None`` if absent or
    unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def _is_rate_limit(response: requests.Response) -> bool:
    if response.status_code == 429:
        return True
    remaining = response.headers.get("X-Rate-Limit-Remaining", "")
    return response.status_code == 403 and (
        "rate limit exceeded" in response.text.lower() or remaining.strip() in ("0", "0.0"))


def classify(response: requests.Response, now: datetime) -> Answer:
    """What a score POST's answer means (LTI.md: Moodle 409 and Canvas 400 about a stale
    timestamp mean the platform holds this score, or a newer one, already)."""
    status, text = response.status_code, response.text[:ANSWER_LIMIT]
    if 200 <= status < 300:
        return Answer(Verdict.DELIVERED, status, text)
    if status == 409 or (status == 400 and _STALE.search(text)):
        return Answer(Verdict.DELIVERED, status, text)
    if status == 401:
        return Answer(Verdict.UNAUTHORIZED, status, text)
    if _is_rate_limit(response):
        return Answer(Verdict.RATE_LIMITED, status, text,
                      retry_after_seconds(response.headers.get("Retry-After"), now))
    if status >= 500 or status == 408:
        return Answer(Verdict.UNAVAILABLE, status, text)
    return Answer(Verdict.REFUSED, status, text)


def unreachable(error: requests.RequestException) -> Answer:
    """The answer for a request that got none (timeout, connection refused or dropped)."""
    kind = "timed out" if isinstance(error, requests.Timeout) else "could not connect"
    return Answer(Verdict.UNAVAILABLE, None, f"No answer: the request {kind} "
                                             f"({type(error).__name__}).")


def post_score(http: requests.Session, token: str, lineitem_url: str, body: dict[str, Any],
               *, timeout: Timeout, now: datetime) -> Answer:
    """POST one score to the line item's ``/scores``; the classified answer (never raises for
    HTTP or network trouble)."""
    try:
        response = http.post(scores_url(lineitem_url), json=body, timeout=timeout,
                             allow_redirects=False,
                             headers={"Authorization": f"Bearer {token}",
                                      "Content-Type": SCORE_MEDIA_TYPE})
    except requests.RequestException as error:
        return unreachable(error)
    return classify(response, now)


def _call(http: requests.Session, method: str, url: str, token: str, *, timeout: Timeout,
          now: datetime, accept: str, body: dict[str, Any] | None = None
          ) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}", "Accept": accept}
    if body is not None:
        headers["Content-Type"] = LINEITEM_MEDIA_TYPE
    try:
        response = http.request(method, url, json=body, headers=headers, timeout=timeout,
                                allow_redirects=False)
    except requests.RequestException as error:
        raise AgsError(unreachable(error)) from error
    if not 200 <= response.status_code < 300:
        answer = classify(response, now)
        if answer.verdict == Verdict.DELIVERED:  # a 409 here is no success
            answer = Answer(Verdict.REFUSED, answer.status, answer.text)
        raise AgsError(answer)
    return response


def _with_query(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = [*parse_qsl(parts.query, keep_blank_values=True), *params.items()]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _json(response: requests.Response, now: datetime) -> Any:
    try:
        return response.json()
    except ValueError:
        raise AgsError(Answer(Verdict.REFUSED, response.status_code,
                              "The platform answered something that is not JSON: "
                              + response.text[:200])) from None


@dataclass(frozen=True)
class FoundLineItem:
    """A line item of the platform: its URL and maximum."""

    url: str
    score_maximum: float
    label: str | None
    created: bool


def _found(item: Any, created: bool) -> FoundLineItem | None:
    if not isinstance(item, dict) or not isinstance(item.get("id"), str):
        return None
    maximum = item.get("scoreMaximum")
    number = float(maximum) if isinstance(maximum, int | float) and maximum > 0 else 100.0
    return FoundLineItem(item["id"], number, item.get("label"), created)


def find_lineitem(http: requests.Session, token: str, lineitems_url: str,
                  resource_link_id: str, *, timeout: Timeout, now: datetime
                  ) -> FoundLineItem | None:
    """The line item of a placed link in the container, following ``Link: rel="next"``."""
    url: str | None = _with_query(lineitems_url, resource_link_id=resource_link_id)
    for _ in range(MAX_PAGES):
        if url is None:
            break
        response = _call(http, "GET", url, token, timeout=timeout, now=now,
                         accept=LINEITEMS_MEDIA_TYPE)
        items = _json(response, now)
        for item in items if isinstance(items, list) else []:
            # Some platforms ignore the filter: check it ourselves.
            if isinstance(item, dict) and item.get("resourceLinkId") == resource_link_id:
                return _found(item, False)
        found = _NEXT.search(response.headers.get("Link", ""))
        url = found.group(1) if found else None
    return None


def create_lineitem(http: requests.Session, token: str, lineitems_url: str, *,
                    label: str, score_maximum: float, resource_link_id: str,
                    resource_id: str | None, timeout: Timeout, now: datetime) -> FoundLineItem:
    """POST a new line item bound to the placed link."""
    body: dict[str, Any] = {"label": label[:255] or "GMG training", "scoreMaximum": score_maximum,
                            "resourceLinkId": resource_link_id, "tag": "completion"}
    if resource_id:
        body["resourceId"] = resource_id[:255]
    response = _call(http, "POST", lineitems_url, token, timeout=timeout, now=now,
                     accept=LINEITEM_MEDIA_TYPE, body=body)
    found = _found(_json(response, now), True)
    if found is None:
        raise AgsError(Answer(Verdict.REFUSED, response.status_code,
                              "The platform created a line item but sent no id: "
                              + response.text[:200]))
    return found


def read_lineitem(http: requests.Session, token: str, lineitem_url: str, *, timeout: Timeout,
                  now: datetime) -> FoundLineItem | None:
    """GET one line item (to learn its maximum)."""
    response = _call(http, "GET", lineitem_url, token, timeout=timeout, now=now,
                     accept=LINEITEM_MEDIA_TYPE)
    found = _found(_json(response, now), False)
    return None if found is None else FoundLineItem(lineitem_url, found.score_maximum,
                                                    found.label, False)


def delete_lineitem(http: requests.Session, token: str, lineitem_url: str, *,
                    timeout: Timeout, now: datetime) -> None:
    """DELETE a line item (one this tool created twice in a race)."""
    _call(http, "DELETE", lineitem_url, token, timeout=timeout, now=now,
          accept=LINEITEM_MEDIA_TYPE)
