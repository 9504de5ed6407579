"""Assignment and Grade Services 2.0: line items, scores, results."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from .claims import (
    LINEITEM_MEDIA_TYPE,
    LINEITEMS_MEDIA_TYPE,
    RESULTS_MEDIA_TYPE,
    SCOPE_LINEITEM,
    SCOPE_LINEITEM_READONLY,
    SCOPE_RESULT_READONLY,
    SCOPE_SCORE,
    SCORE_MEDIA_TYPE,
)
from .model import Grade, LineItem, ScoreRecord
from .responses import check_bearer, json_error, json_response, page_size, paginate

if TYPE_CHECKING:
    from .platform import Platform

READ = (SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY)
ACTIVITY_PROGRESS = {"Initialized", "Started", "InProgress", "Submitted", "Completed"}
GRADING_PROGRESS = {"FullyGraded", "Pending", "PendingManual", "Failed", "NotReady"}


def lineitem_json(platform: Platform, item: LineItem) -> dict[str, Any]:
    """A line item as AGS represents it."""
    body: dict[str, Any] = {"id": platform.lineitem_url(item), "label": item.label,
                            "scoreMaximum": item.score_maximum, "resourceId": item.resource_id,
                            "tag": item.tag, **item.extra}
    if item.resource_link_id is not None:
        body["resourceLinkId"] = item.resource_link_id
    return body


def guard(platform: Platform, request: Request, values: dict[str, Any],
          scopes: tuple[str, ...]) -> Response | None:
    """A refusal for a bad token, flavour rule (``type_id``) or unknown course or item."""
    refusal = check_bearer(platform, request, scopes) or platform.service_error(request, values)
    if refusal is not None:
        return refusal
    if values.get("course_id") != platform.course.id:
        return json_error(404, "no such course")
    if "item_id" in values and values["item_id"] not in platform.line_items:
        return json_error(404, "no such line item")
    return None


def json_body(request: Request, *media_types: str) -> dict[str, Any] | Response:
    """The request's JSON object, or a 415/400 answer."""
    if request.mimetype not in media_types:
        return json_error(415, f"Content-Type must be {media_types[0]}")
    body = request.get_json(force=True, silent=True)
    return body if isinstance(body, dict) else json_error(400, "the body is not a JSON object")


def serve_lineitems(platform: Platform, request: Request, **values: Any) -> Response:
    """GET the line item container (filtered, paged) or POST a new line item."""
    scopes = (SCOPE_LINEITEM,) if request.method == "POST" else READ
    refusal = guard(platform, request, values, scopes)
    if refusal is not None:
        return refusal
    if request.method == "POST":
        return create_lineitem(platform, request)
    filters = {"resource_link_id": "resource_link_id", "resource_id": "resource_id", "tag": "tag"}
    items = [item for item in platform.line_items.values()
             if all(getattr(item, field) == request.args[name]
                    for name, field in filters.items() if name in request.args)]
    size = page_size(request, platform.lineitems_page_size, None)
    chunk, link = paginate(request, items, size, platform.flavour == "canvas")
    return json_response([lineitem_json(platform, item) for item in chunk],
                         media_type=LINEITEMS_MEDIA_TYPE, headers={"Link": link} if link else {})


def create_lineitem(platform: Platform, request: Request) -> Response:
    """Create a line item from a POSTed body with a ``label`` and a positive ``scoreMaximum``."""
    body = json_body(request, LINEITEM_MEDIA_TYPE, "application/json")
    if isinstance(body, Response):
        return body
    label, maximum = body.get("label"), body.get("scoreMaximum")
    if not isinstance(label, str) or not label.strip():
        return json_error(400, "label is required")
    if not isinstance(maximum, int | float) or isinstance(maximum, bool) or maximum <= 0:
        return json_error(400, "scoreMaximum must be a number above 0")
    item = platform.add_line_item(label, maximum, resource_link_id=body.get("resourceLinkId"),
                                  resource_id=str(body.get("resourceId", "")),
                                  tag=str(body.get("tag", "")))
    item.extra = {name: body[name] for name in ("startDateTime", "endDateTime") if name in body}
    return json_response(lineitem_json(platform, item), platform.lineitem_created_status,
                         LINEITEM_MEDIA_TYPE)


def serve_lineitem(platform: Platform, request: Request, **values: Any) -> Response:
    """GET, PUT or DELETE one line item."""
    scopes = READ if request.method == "GET" else (SCOPE_LINEITEM,)
    refusal = guard(platform, request, values, scopes)
    if refusal is not None:
        return refusal
    item = platform.line_items[values["item_id"]]
    if request.method == "DELETE":
        with platform.lock:
            del platform.line_items[item.id]
        return Response(status=204)
    if request.method == "PUT":
        body = json_body(request, LINEITEM_MEDIA_TYPE, "application/json")
        if isinstance(body, Response):
            return body
        item.label = str(body.get("label", item.label))
        item.score_maximum = float(body.get("scoreMaximum", item.score_maximum))
        item.resource_id = str(body.get("resourceId", item.resource_id))
        item.tag = str(body.get("tag", item.tag))
    return json_response(lineitem_json(platform, item), media_type=LINEITEM_MEDIA_TYPE)


def score_problem(body: dict[str, Any]) -> str | None:
    """What is wrong with a score body, if anything."""
    for name in ("userId", "timestamp", "activityProgress", "gradingProgress"):
        if name not in body:
            return f"{name} is required"
    if body["activityProgress"] not in ACTIVITY_PROGRESS:
        return f"activityProgress {body['activityProgress']!r} is not valid"
    if body["gradingProgress"] not in GRADING_PROGRESS:
        return f"gradingProgress {body['gradingProgress']!r} is not valid"
    if "scoreGiven" in body and body.get("scoreMaximum") is None:
        return "scoreMaximum is required with scoreGiven"
    return None


def parse_timestamp(value: Any) -> datetime | None:
    """An ISO 8601 timestamp with a time zone, or ``None``."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def serve_scores(platform: Platform, request: Request, **values: Any) -> Response:
    """POST a score: checked, refused if stale, recorded in the gradebook."""
    refusal = guard(platform, request, values, (SCOPE_SCORE,))
    if refusal is not None:
        return refusal
    body = json_body(request, SCORE_MEDIA_TYPE)
    if isinstance(body, Response):
        return body
    item = platform.line_items[values["item_id"]]
    with platform.lock:
        answer = record_score(platform, item, body)
        platform.scores_received.append(ScoreRecord(item.id, body, answer.status_code))
    return answer


def record_score(platform: Platform, item: LineItem, body: dict[str, Any]) -> Response:
    """Apply a score body to the gradebook, or the answer that refuses it."""
    problem = score_problem(body)
    timestamp = parse_timestamp(body.get("timestamp"))
    if problem is None and timestamp is None:
        problem = "timestamp must be ISO 8601 with a time zone"
    if problem is not None or timestamp is None:
        return json_error(400, problem or "bad timestamp")
    user = platform.course.member(str(body["userId"]))
    if user is None or (platform.flavour == "canvas" and user.role not in ("learner", "test_user")):
        return json_error(platform.unknown_user_status, "the user is not a student of the course")
    held = platform.gradebook[item.id].get(user.sub)
    refusal = platform.refuse_score(held, body, timestamp)
    if refusal is not None:
        return refusal
    given = body.get("scoreGiven") if platform.applies_score(body["gradingProgress"]) else None
    platform.gradebook[item.id][user.sub] = Grade(
        user_id=user.sub, score_given=given, score_maximum=body.get("scoreMaximum"),
        comment=body.get("comment"), timestamp=timestamp,
        activity_progress=body["activityProgress"], grading_progress=body["gradingProgress"])
    return platform.score_answer(item, user)


def result_url(platform: Platform, item: LineItem, user_id: str) -> str:
    """A result's URL: under the line item's path, its query kept."""
    base, _, query = platform.lineitem_url(item).partition("?")
    return f"{base}/results/{user_id}" + (f"?{query}" if query else "")


def serve_results(platform: Platform, request: Request, **values: Any) -> Response:
    """GET a line item's results (``user_id`` filters)."""
    refusal = guard(platform, request, values, (SCOPE_RESULT_READONLY,))
    if refusal is not None:
        return refusal
    item = platform.line_items[values["item_id"]]
    wanted = request.args.get("user_id")
    results = [{"id": result_url(platform, item, grade.user_id),
                "scoreOf": platform.lineitem_url(item), "userId": grade.user_id,
                "resultScore": grade.score_given, "resultMaximum": grade.score_maximum,
                "comment": grade.comment}
               for grade in platform.gradebook.get(item.id, {}).values()
               if wanted is None or grade.user_id == wanted]
    return json_response(results, media_type=RESULTS_MEDIA_TYPE)
