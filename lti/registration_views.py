"""Registering the tool in a platform: Dynamic Registration (``/lti/register``) and the JSON
that Canvas's developer key form accepts (``/lti/config.json``).

The platform opens ``/lti/register?invitation=...`` with ``openid_configuration`` and
``registration_token`` added. That GET only reads (the invitation, the platform's
configuration) and asks the administrator to confirm; the POST registers. A GET that changes
nothing is safe from link previews and prefetching, and the confirmation shows the
administrator which platform and which partner the tool is about to be registered for.
"""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from curriculum.db import get_session
from lti.canvas_config import canvas_developer_key
from lti.dynamic_registration import (
    client_registration,
    fetch_platform_configuration,
    requested_scopes,
    send_client_registration,
    store_registration,
)
from lti.invitations import RegistrationRefused, check_invitation
from lti.tool_profile import CLAIMS, TOOL_NAME
from lti.urls import ToolUrls, tool_urls

log = logging.getLogger(__name__)

bp = Blueprint("lti_registration", __name__, url_prefix="/lti", template_folder="templates")

MOODLE_MANAGE_TOOLS = ("Site administration > Plugins > Activity modules > External tool > "
                       "Manage tools")


def _urls() -> ToolUrls:
    return tool_urls(current_app.config["BASE_URL"])


def _registration_params() -> dict[str, str]:
    values = request.form if request.method == "POST" else request.args
    return {name: values.get(name, "").strip()
            for name in ("invitation", "openid_configuration", "registration_token")}


@bp.get("/register")
def register() -> ResponseReturnValue:
    """Dynamic Registration, step 1: check the invitation and the platform, ask to confirm."""
    params = _registration_params()
    try:
        invitation = check_invitation(get_session(), params["invitation"])
        if not params["openid_configuration"]:
            return render_template("lti/registration_invitation.html", invitation=invitation,
                                   url=request.url, moodle_where=MOODLE_MANAGE_TOOLS)
        platform = fetch_platform_configuration(params["openid_configuration"],
                                                params["registration_token"])
    except RegistrationRefused as refusal:
        log.warning("Dynamic Registration refused at step 1: %s", refusal.reason)
        raise
    return render_template(
        "lti/registration_confirm.html", invitation=invitation, platform=platform,
        params=params, scopes=requested_scopes(platform), tool_name=TOOL_NAME,
        claims=[claim for claim in CLAIMS if claim not in ("iss", "sub")])


@bp.post("/register")
def complete_registration() -> ResponseReturnValue:
    """Dynamic Registration, step 2: register with the platform, store it, close the window."""
    params = _registration_params()
    session = get_session()
    try:
        # Refuse a used or expired invitation before anything is sent to the platform.
        check_invitation(session, params["invitation"])
        # End the read before the outside calls: on SQLite a write transaction holds the
        # database's one write lock, and the platform may take seconds to answer.
        session.rollback()
        platform = fetch_platform_configuration(params["openid_configuration"],
                                                params["registration_token"])
        body = client_registration(_urls(), platform,
                                   logo_uri=current_app.config.get("LTI_LOGO_URI"))
        answer = send_client_registration(platform, params["registration_token"], body)
        registration = store_registration(session, params["invitation"], platform, answer)
    except RegistrationRefused as refusal:
        log.warning("Dynamic Registration refused at step 2: %s", refusal.reason)
        raise
    log.info("Dynamic Registration stored: registration %s (%s)", registration.id,
             platform.product_family)
    requested = body["scope"].split()
    withheld = ([s for s in requested if s not in answer.granted_scopes]
                if answer.granted_scopes is not None else [])
    return render_template("lti/registration_done.html", registration=registration,
                           platform=platform, answer=answer, withheld=withheld,
                           moodle_where=MOODLE_MANAGE_TOOLS)


@bp.get("/config.json")
def canvas_config() -> ResponseReturnValue:
    """The Canvas developer key configuration (Admin > Developer Keys > LTI Key > Paste JSON)."""
    response = jsonify(canvas_developer_key(_urls()))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


def _private(response: Response) -> Response:
    """Registration pages carry one-time tokens: never cache them, never leak them onward."""
    if request.endpoint in ("lti_registration.register",
                            "lti_registration.complete_registration"):
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
    return response


bp.after_request(_private)

