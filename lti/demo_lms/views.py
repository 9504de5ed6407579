"""The demo LMS's pages: its course, its OIDC authorization endpoint, the Deep Linking return,
its key set and its gradebook. Registered by the app factory in demo mode only."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from curriculum.db import get_session
from lti.demo_lms.deep_linking import place_links, verify_response
from lti.demo_lms.messages import check_auth_request, id_token_claims, message_hint
from lti.demo_lms.models import DemoPlacedLink, DemoScore
from lti.demo_lms.platform import (
    CLIENT_ID,
    COURSE_TITLE,
    DEPLOYMENT_ID,
    LEARNER,
    TRAINER,
    USERS,
    DemoUrls,
    demo_urls,
    key_set,
    sign,
)
from lti.demo_lms.services import (
    LINEITEM_SCOPE,
    SCORE_SCOPE,
    ServiceRefusal,
    check_bearer,
    create_lineitem,
    graded_link,
    issue_token,
    lineitem_json,
    list_lineitems,
    record_score,
)
from lti.registrations import find_registration
from lti.urls import ToolUrls, tool_urls
from lti.views import no_store

bp = Blueprint("demo_lms", __name__, url_prefix="/demo-lms", template_folder="templates")


def _urls() -> tuple[DemoUrls, ToolUrls]:
    base = current_app.config["BASE_URL"]
    return demo_urls(base), tool_urls(base)


@bp.get("/")
def course() -> ResponseReturnValue:
    """The demo course: its activities, each launchable as the learner or the trainer."""
    session = get_session()
    urls, tool = _urls()
    registration = find_registration(session, urls.issuer, CLIENT_ID)
    links = session.scalars(select(DemoPlacedLink).order_by(DemoPlacedLink.id)).all()
    added = request.args.get("added", type=int)
    return render_template(
        "demo_lms/course.html", course_title=COURSE_TITLE, links=links, urls=urls, tool=tool,
        registered=registration is not None and registration.active, learner=LEARNER,
        trainer=TRAINER, client_id=CLIENT_ID, deployment_id=DEPLOYMENT_ID,
        message_hint=message_hint, added=added)


@bp.route("/auth", methods=["GET", "POST"])
def auth() -> ResponseReturnValue:
    """The OIDC authorization endpoint: check the tool's request, answer with a signed id_token
    posted back to the tool by a form (submitted by script, or by hand without it)."""
    session = get_session()
    urls, tool = _urls()
    params = {key: value for key, value in request.values.items()}
    checked = check_auth_request(session, params, tool)
    id_token = sign(session, id_token_claims(checked, urls, tool))
    return render_template("demo_lms/auth_response.html", action=checked.redirect_uri,
                           id_token=id_token, state=checked.state, user=checked.user,
                           link=checked.link)


@bp.post("/deep-linking/return")
def deep_linking_return() -> ResponseReturnValue:
    """Where the tool posts the trainer's choice: verify it, place the links, show the course."""
    session = get_session()
    urls, _tool = _urls()
    claims = verify_response(session, request.form.get("JWT", ""), urls)
    links = place_links(session, claims)
    return redirect(url_for("demo_lms.course", added=len(links)), 303)


@bp.get("/jwks.json")
def jwks() -> ResponseReturnValue:
    """The demo LMS's public keys (the tool has them registered as a static key set too)."""
    response = jsonify(key_set(get_session()))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/gradebook")
def gradebook() -> ResponseReturnValue:
    """The course's gradebook: a column per graded activity, the scores the tool sent."""
    session = get_session()
    columns = session.scalars(select(DemoPlacedLink).where(
        DemoPlacedLink.score_maximum.is_not(None)).order_by(DemoPlacedLink.id)).all()
    scores = {(s.placed_link_id, s.user_id): s for s in session.scalars(select(DemoScore))}
    scored = {user_id for _link, user_id in scores}
    people = [u for u in USERS.values() if not u.is_trainer or u.sub in scored]
    return render_template("demo_lms/gradebook.html", course_title=COURSE_TITLE,
                           columns=columns, people=people, scores=scores)


# Grade services (the tool's worker calls these) ----------------------------------------------


def _service(scope: str | None = None) -> tuple[DemoUrls, str]:
    secret = current_app.config["SECRET_KEY"]
    if scope is not None:
        check_bearer(request.headers.get("Authorization", ""), secret, scope)
    return _urls()[0], secret


@bp.errorhandler(ServiceRefusal)
def refused(refusal: ServiceRefusal) -> ResponseReturnValue:
    """A refused service request: its status and a JSON body that says why."""
    return jsonify(refusal.body), refusal.status


@bp.post("/token")
def token() -> ResponseReturnValue:
    """The OAuth2 token endpoint: client credentials with the tool's signed assertion."""
    urls, secret = _service()
    # Only reads: the tool may ask for a token while its own request holds the write lock.
    return jsonify(issue_token(get_session(write=False), request.form.to_dict(), urls, secret))


@bp.route("/lineitems", methods=["GET", "POST"])
def lineitems() -> ResponseReturnValue:
    """The course's line item container (GET, ``?resource_link_id=``) or a new column."""
    if request.method == "POST":
        urls, _ = _service(LINEITEM_SCOPE)
        item = create_lineitem(get_session(), urls, request.get_json(silent=True))
        return jsonify(item), 201
    urls, _ = _service(LINEITEM_SCOPE)
    return jsonify(list_lineitems(get_session(), urls, request.args.get("resource_link_id")))


@bp.get("/lineitems/<int:link_id>")
def lineitem(link_id: int) -> ResponseReturnValue:
    """One column."""
    urls, _ = _service(LINEITEM_SCOPE)
    return jsonify(lineitem_json(graded_link(get_session(), link_id), urls))


@bp.post("/lineitems/<int:link_id>/scores")
def scores(link_id: int) -> ResponseReturnValue:
    """A score for a learner in a column: kept when newer than the one held (else 409)."""
    _service(SCORE_SCOPE)
    if request.mimetype != "application/vnd.ims.lis.v1.score+json":
        raise ServiceRefusal(415, {"error": "Content-Type must be "
                                            "application/vnd.ims.lis.v1.score+json"})
    session = get_session()
    record_score(session, graded_link(session, link_id), request.get_json(force=True,
                                                                          silent=True))
    return "", 200


bp.after_request(no_store)
