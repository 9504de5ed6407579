"""LTI endpoints: login initiation, launch, the tool's key set, and the launched pages."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    current_app,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from werkzeug.wrappers import Response

from curriculum.db import get_database, get_session, relax_durability
from lti import claims as c
from lti.deep_linking import accepts_multiple, package_items, response_jwt
from lti.errors import LaunchRejected, bad_request
from lti.i18n import render_in
from lti.keys import jwks
from lti.launch import find_state, state_cookie_name, validate_launch
from lti.learning import learner_page, roster_max_age, trainer_page
from lti.login import STATE_LIFETIME, start_login
from lti.models import LaunchFailure, Registration
from lti.pages import launched_content
from lti.recording import get_launch_session, record_launch
from lti.registrations import fetched_key_sets, keep_fetched_key_sets
from lti.urls import tool_urls
from packages.models import Package
from packages.reading import list_packages
from packages.services import get_package, latest_version
from packages.tracks import latest_versions

bp = Blueprint("lti", __name__, url_prefix="/lti", template_folder="templates")


def _urls() -> Any:
    return tool_urls(current_app.config["BASE_URL"])


def _secure() -> bool:
    return request.is_secure or str(current_app.config["BASE_URL"]).startswith("https://")


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """OIDC login initiation: remember state and nonce, send the browser to the platform."""
    params = {key: value for key, value in request.values.items()}
    if "deployment_id" in params and "lti_deployment_id" not in params:
        params["lti_deployment_id"] = params["deployment_id"]
    session = get_session()
    # A lost login state only means the launch is started again.
    relax_durability(session)
    try:
        start = start_login(session, params, launch_url=_urls().launch,
                            base_url=current_app.config["BASE_URL"])
    except LaunchRejected as rejected:
        _log_failure("login", rejected, params.get("iss"), params.get("client_id"))
        raise
    response: Response = (
        make_response(render_template("lti/platform_storage_login.html", start=start))
        if start.storage_target else redirect(start.auth_url, 302))
    response.set_cookie(start.cookie_name, start.state, max_age=int(
        STATE_LIFETIME.total_seconds()), **_state_cookie_options())
    return response


def _state_cookie_options() -> dict[str, Any]:
    """How the state cookie is set and deleted: ``SameSite=None; Secure`` over HTTPS (LMSs
    show the tool in a cross-site iframe), ``Lax`` where browsers refuse that without TLS."""
    secure = _secure()
    return {"path": "/lti/", "httponly": True, "secure": secure,
            "samesite": "None" if secure else "Lax"}


@bp.post("/launch")
def launch() -> ResponseReturnValue:
    """The platform posts the signed id_token here; a valid launch opens its page."""
    id_token, state = request.form.get("id_token", ""), request.form.get("state", "")
    # None: not asked yet; "" (the platform had no secret for this state) is refused below
    # instead of asking again, which would loop.
    storage_secret = request.form.get("lti_storage_secret")
    session = get_session()
    # What a launch writes (who, where, the launch session) is written again by the next
    # launch; nothing a learner did is in it, so it need not wait for the disk.
    relax_durability(session)
    try:
        if (state and storage_secret is None
                and state_cookie_name(state) not in request.cookies):
            row = find_state(session, state)
            if row.storage_secret_hash:
                registration = session.get(Registration, row.registration_id)
                assert registration is not None
                return render_template(
                    "lti/platform_storage_launch.html", state=state, id_token=id_token,
                    storage_key=f"state_{state}",
                    origin="/".join(registration.auth_login_url.split("/", 3)[:3]))
        validated = validate_launch(session, id_token=id_token, state=state,
                                    cookies=request.cookies, storage_secret=storage_secret)
        launch_session = record_launch(session, validated)
    except LaunchRejected as rejected:
        _log_failure("launch", rejected, None, None)
        raise
    target = ("lti.deep_linking" if launch_session.message_type == c.DEEP_LINKING_REQUEST
              else "lti.launched")
    response = redirect(url_for(target, launch_id=launch_session.id), 303)
    response.delete_cookie(state_cookie_name(state), **_state_cookie_options())
    return response


@bp.get("/jwks.json")
def key_set() -> ResponseReturnValue:
    """The tool's public keys (platforms verify our messages and token requests with them)."""
    response = jsonify(jwks(get_session()))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/launches/<launch_id>")
def launched(launch_id: str) -> ResponseReturnValue:
    """What a launched link shows: the trainer's table to instructors, the package and the
    learner's progress to learners (a link to one module opens it, and records that)."""
    session = get_session(write=True)
    launch_session = get_launch_session(session, launch_id)
    content = launched_content(session, launch_session)
    if launch_session.is_instructor:
        return trainer_page(session, launch_session, content, roster_max_age())
    if content is None or launch_session.user_id is None:
        return render_in(launch_session.locale, "lti/learner.html", launch=launch_session,
                         content=None)
    return learner_page(session, launch_session, content)


@bp.get("/launches/<launch_id>/deep-linking")
def deep_linking(launch_id: str) -> ResponseReturnValue:
    """The Deep Linking picker: search the curriculum and choose what to add to the course."""
    session = get_session()
    launch_session = _deep_linking_session(session, launch_id)
    query = request.args.get("q", "").strip()[:200]
    found = list_packages(session, q=query or None, page_size=100).items
    snapshots = {s["slug"]: s for s in _snapshots(session, [p["slug"] for p in found])}
    return render_template("lti/deep_linking.html", launch=launch_session, packages=found,
                           snapshots=snapshots, query=query,
                           multiple=accepts_multiple(launch_session))


@bp.post("/launches/<launch_id>/deep-linking")
def deep_linking_response(launch_id: str) -> ResponseReturnValue:
    """Sign the chosen items and hand them back to the platform (an auto-submitted form)."""
    session = get_session()
    launch_session = _deep_linking_session(session, launch_id)
    slug = request.form.get("package", "")
    package = get_package(session, slug, published_only=True)
    version = latest_version(session, package)
    assert version is not None
    items = package_items(version.snapshot, version.number,
                          choice=request.form.get("choice", "package"),
                          module=request.form.get("module"),
                          pin=request.form.get("pin") == "1", launch_url=_urls().launch)
    token = response_jwt(session, launch_session, items)
    settings = launch_session.deep_linking_settings or {}
    return render_template("lti/deep_linking_response.html", jwt=token,
                           return_url=settings["deep_link_return_url"], count=len(items))


def _deep_linking_session(session: Any, launch_id: str) -> Any:
    launch_session = get_launch_session(session, launch_id)
    if launch_session.message_type != c.DEEP_LINKING_REQUEST:
        raise bad_request("not_deep_linking", "This launch was not a Deep Linking request.",
                          "Add content from the course editor's 'add activity' dialog.")
    return launch_session


def _snapshots(session: Any, slugs: list[str]) -> list[dict[str, Any]]:
    packages = session.scalars(select(Package).where(Package.slug.in_(slugs))).all()
    return [v.snapshot for v in latest_versions(session, packages).values()]


def _log_failure(step: str, rejected: LaunchRejected, issuer: str | None,
                 client_id: str | None) -> None:
    """Keep the rejection for administrators (and any key set fetched on the way) in a
    transaction of its own.

    The request's transaction is rolled back first: it would be anyway, and on SQLite it holds
    the write lock the log needs (waiting for it would last the busy timeout, then fail).
    """
    request_session = get_session()
    fetched = fetched_key_sets(request_session)
    request_session.rollback()
    with get_database().transaction() as session:
        keep_fetched_key_sets(session, fetched)
        session.add(LaunchFailure(step=step, reason=rejected.reason[:60],
                                  message=rejected.message, issuer=(issuer or "")[:500] or None,
                                  client_id=(client_id or "")[:255] or None))


def no_store(response: Response) -> Response:
    """LTI pages carry launch ids: never cache them, and never send them to other sites in a
    ``Referer`` (a module's own platform opens from these pages)."""
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


bp.after_request(no_store)
