"""The simulator's services answer like Moodle 4.5 and Canvas: token, failures, AGS, NRPS."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from tests.lti.simulator import CanvasPlatform, Failure, MoodlePlatform, Platform, signing_key
from tests.lti.simulator.claims import (
    LINEITEM_MEDIA_TYPE,
    MEMBERSHIPS_MEDIA_TYPE,
    SCOPE_LINEITEM,
    SCOPE_NRPS,
    SCOPE_SCORE,
    SCORE_MEDIA_TYPE,
)
from tests.lti.simulator.jose import client_assertion
from tests.lti.simulator.model import LineItem
from tests.lti.simulator.stand_in import StandInTool

NRPS_ACCEPT = {"Accept": MEMBERSHIPS_MEDIA_TYPE}


@pytest.fixture(params=["moodle", "canvas"])
def platform(request: pytest.FixtureRequest, stand_in_tool: StandInTool) -> Platform:
    """Each flavour in turn, knowing the stand-in tool."""
    chosen: Platform = request.getfixturevalue(request.param)
    stand_in_tool.configure(chosen)
    return chosen


def bearer(platform: Platform, *scopes: str) -> dict[str, str]:
    """An Authorization header with a fresh token."""
    return {"Authorization": f"Bearer {platform.issue_access_token(scopes or None)}"}


def post_score(platform: Platform, item: LineItem, user_id: str, when: datetime,
               **fields: Any) -> requests.Response:
    """POST a score for ``user_id`` stamped ``when`` to ``{lineitem}/scores``."""
    base, _, query = platform.lineitem_url(item).partition("?")
    body = {"userId": user_id, "scoreGiven": 7, "scoreMaximum": 10, "comment": "Well done",
            "activityProgress": "Completed", "gradingProgress": "FullyGraded",
            "timestamp": when.isoformat(), **fields}
    return requests.post(f"{base}/scores" + (f"?{query}" if query else ""), json=body,
                         timeout=5, headers={**bearer(platform, SCOPE_SCORE),
                                             "Content-Type": SCORE_MEDIA_TYPE})


# Token endpoint ---------------------------------------------------------------------------

def test_token_endpoint_grants_a_token_for_a_valid_assertion(
        platform: Platform, stand_in_tool: StandInTool) -> None:
    answer = stand_in_tool.request_token(platform, f"{SCOPE_SCORE} {SCOPE_NRPS}")
    body = answer.json()
    assert answer.status_code == 200
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert body["scope"].split() == [SCOPE_SCORE, SCOPE_NRPS]
    assert platform.token_requests == 1


@pytest.mark.parametrize("claims", [
    {"aud_suffix": "/"}, {"iss": "someone-else"}, {"sub": "someone-else"},
    {"iat": time.time() - 600}, {"jti": "used-twice"}, {"key": "unknown"}],
    ids=["aud with a trailing slash", "wrong iss", "wrong sub", "iat over 5 minutes old",
         "reused jti", "unknown key"])
def test_token_endpoint_refuses_a_bad_assertion(platform: Platform, stand_in_tool: StandInTool,
                                                claims: dict[str, Any]) -> None:
    options = dict(claims)
    audience = platform.token_url + options.pop("aud_suffix", "")
    key = signing_key("not-the-tool") if options.pop("key", None) else stand_in_tool.key
    if options.get("jti") == "used-twice":
        stand_in_tool.request_token(platform, SCOPE_SCORE, jti="used-twice")
    form = {"grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": client_assertion(key, platform.client_id, audience, **options),
            "scope": SCOPE_SCORE}
    answer = requests.post(platform.token_url, data=form, timeout=5)
    assert answer.status_code in (400, 401)
    assert answer.json()["error"] in ("invalid_client", "invalid_grant")


def test_token_endpoint_grants_only_the_allowed_scopes(moodle: MoodlePlatform,
                                                       stand_in_tool: StandInTool) -> None:
    stand_in_tool.configure(moodle)
    moodle.granted_scopes = {SCOPE_SCORE}
    answer = stand_in_tool.request_token(moodle, f"{SCOPE_LINEITEM} {SCOPE_SCORE}")
    assert answer.json()["scope"] == SCOPE_SCORE
    assert stand_in_tool.request_token(moodle, SCOPE_LINEITEM).status_code == 400


# Failure injection ------------------------------------------------------------------------

@pytest.mark.parametrize(("failure", "status", "header"), [
    (Failure.server_error(), 500, None),
    (Failure.too_many_requests(retry_after=7), 429, ("Retry-After", "7")),
    (Failure.canvas_rate_limit(), 403, ("X-Rate-Limit-Remaining", "0.0")),
    (Failure.expired_token(), 401, None)])
def test_queued_failures_are_served_in_turn(platform: Platform, failure: Failure, status: int,
                                            header: tuple[str, str] | None) -> None:
    platform.fail_next("memberships", failure)
    url = platform.memberships_url()
    headers = {**bearer(platform), **NRPS_ACCEPT}
    failed = requests.get(url, headers=headers, timeout=5)
    assert failed.status_code == status
    if header:
        assert failed.headers[header[0]] == header[1]
    if status == 403:
        assert "Rate Limit Exceeded" in failed.text
    assert requests.get(url, headers=headers, timeout=5).status_code == 200
    assert platform.hits["memberships"] == 2


def test_a_slow_answer_trips_the_clients_timeout(platform: Platform) -> None:
    platform.fail_next("jwks", Failure.slow(1.5))
    with pytest.raises(requests.Timeout):
        requests.get(platform.jwks_url, timeout=0.3)


def test_a_dropped_connection_is_a_connection_error(platform: Platform) -> None:
    platform.fail_next("token", Failure.drop())
    with pytest.raises(requests.ConnectionError):
        requests.post(platform.token_url, data={}, timeout=5)
    assert platform.token_requests == 1


def test_failures_are_only_queued_for_known_endpoints(moodle: MoodlePlatform) -> None:
    with pytest.raises(ValueError, match="unknown endpoint"):
        moodle.fail_next("gradebook", Failure.server_error())


# AGS ----------------------------------------------------------------------------------------

def test_moodle_refuses_a_score_not_in_a_later_second(moodle: MoodlePlatform) -> None:
    item = moodle.add_line_item("Module 1", 10)
    first = datetime(2025, 3, 1, 10, 0, 0, 100_000, tzinfo=UTC)
    accepted = post_score(moodle, item, "4", first)
    assert (accepted.status_code, accepted.text) == (200, "")
    assert post_score(moodle, item, "4", first + timedelta(milliseconds=500)).status_code == 409
    assert post_score(moodle, item, "4", first + timedelta(seconds=1)).status_code == 200
    grade = moodle.grade("4", item)
    assert grade is not None and grade.score_given == 7 and grade.comment == "Well done"
    assert [record.status for record in moodle.scores_received] == [200, 409, 200]


def test_moodle_services_need_the_type_id(moodle: MoodlePlatform) -> None:
    url = moodle.lineitems_url().partition("?")[0]
    assert requests.get(url, headers=bearer(moodle), timeout=5).status_code == 400


def test_canvas_refuses_an_older_timestamp(canvas: CanvasPlatform) -> None:
    item = canvas.add_line_item("Module 1", 10)
    learner = canvas.learner.sub
    now = datetime.now(UTC)
    answer = post_score(canvas, item, learner, now)
    assert answer.json()["resultUrl"].endswith(f"/line_items/{item.id}/results/{learner}")
    assert post_score(canvas, item, learner, now).status_code == 200
    assert post_score(canvas, item, learner, now - timedelta(seconds=1)).status_code == 400


@pytest.mark.parametrize(("progress", "kept"), [
    ("FullyGraded", 7), ("PendingManual", 7), ("Pending", None), ("NotReady", None)])
def test_canvas_keeps_score_given_only_when_graded(canvas: CanvasPlatform, progress: str,
                                                   kept: float | None) -> None:
    item = canvas.add_line_item("Module 1", 10)
    post_score(canvas, item, canvas.learner.sub, datetime.now(UTC), gradingProgress=progress)
    grade = canvas.grade(canvas.learner, item)
    assert grade is not None and grade.score_given == kept


def test_canvas_refuses_a_user_who_is_not_a_student(canvas: CanvasPlatform) -> None:
    item = canvas.add_line_item("Module 1", 10)
    assert post_score(canvas, item, "nobody", datetime.now(UTC)).status_code == 422
    assert post_score(canvas, item, canvas.instructor.sub, datetime.now(UTC)).status_code == 422


def test_scores_need_the_score_media_type(platform: Platform) -> None:
    item = platform.add_line_item("Module 1", 10)
    base, _, query = platform.lineitem_url(item).partition("?")
    answer = requests.post(f"{base}/scores?{query}", json={"userId": "4"}, timeout=5,
                           headers=bearer(platform))
    assert answer.status_code == 415


def test_line_items_are_created_read_and_paged(platform: Platform) -> None:
    headers = {**bearer(platform), "Content-Type": LINEITEM_MEDIA_TYPE}
    for number in range(12):
        created = requests.post(platform.lineitems_url(), timeout=5, headers=headers,
                                json={"label": f"Module {number}", "scoreMaximum": 10})
        assert created.status_code == platform.lineitem_created_status
    one = requests.get(created.json()["id"], headers=headers, timeout=5).json()
    assert one["label"] == "Module 11"
    page = requests.get(platform.lineitems_url(), params={"limit": 5}, headers=headers,
                        timeout=5)
    labels = [entry["label"] for entry in page.json()]
    while "next" in page.links:
        page = requests.get(page.links["next"]["url"], headers=headers, timeout=5)
        labels += [entry["label"] for entry in page.json()]
    assert labels == [f"Module {number}" for number in range(12)]


def test_a_score_posted_to_a_misbuilt_url_is_not_taken_for_success(
        moodle: MoodlePlatform) -> None:
    item = moodle.add_line_item("Module 1")
    naive = moodle.lineitem_url(item) + "/scores"
    assert requests.post(naive, json={}, headers=bearer(moodle), timeout=5).status_code == 405

@pytest.mark.parametrize(("token", "status"), [(None, 401), ("expired", 401),
                                               ("wrong scope", 403)])
def test_service_calls_need_a_live_token_with_the_scope(platform: Platform, token: str | None,
                                                        status: int) -> None:
    headers = {} if token is None else bearer(
        platform, SCOPE_NRPS if token == "wrong scope" else SCOPE_LINEITEM)
    if token == "expired":
        platform.expire_tokens()
    assert requests.get(platform.lineitems_url(), headers=headers, timeout=5).status_code == status


# NRPS ---------------------------------------------------------------------------------------

def test_canvas_roster_comes_in_pages_of_at_most_50(canvas: CanvasPlatform) -> None:
    canvas.add_members(60)
    pages: list[int] = []
    url: str | None = canvas.memberships_url() + "?limit=200"
    members: list[dict[str, Any]] = []
    while url:
        page = requests.get(url, headers={**bearer(canvas), **NRPS_ACCEPT}, timeout=5)
        assert page.headers["Content-Type"] == MEMBERSHIPS_MEDIA_TYPE
        pages.append(len(page.json()["members"]))
        members += page.json()["members"]
        url = page.links.get("next", {}).get("url")
    assert pages == [50, 14]
    assert members[1]["roles"] == ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"]
    assert {member["status"] for member in members} == {"Active"}


def test_moodle_roster_uses_short_roles(moodle: MoodlePlatform) -> None:
    page = requests.get(moodle.memberships_url(), headers={**bearer(moodle), **NRPS_ACCEPT},
                        timeout=5).json()
    assert [member["roles"] for member in page["members"]] == [
        ["Instructor"], ["Learner"], ["Learner"]]


def test_the_roster_needs_the_membership_media_type(platform: Platform) -> None:
    answer = requests.get(platform.memberships_url(), headers=bearer(platform), timeout=5)
    assert answer.status_code == 406
