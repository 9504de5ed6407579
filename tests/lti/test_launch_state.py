"""Where a launch keeps its state: in the database (so any process serves any step), in a
cookie set for iframes, or in Canvas's platform storage when the browser blocks the cookie."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from curriculum import migrate
from curriculum.app import create_app
from curriculum.db import Database, make_engine
from lti.launch import state_cookie_name
from lti.models import LaunchFailure
from tests.lti.simulator import CanvasPlatform, MoodlePlatform, Platform
from tests.lti.tool import (
    SMALL_PACKAGE,
    authorization_url,
    launch_fields,
    login,
    publish_small_package,
    query_value,
    recorded,
    register,
    state_cookie,
    text_of,
)

CUSTOM = {"package": SMALL_PACKAGE}
HTTPS_BASE_URL = "https://tool.example.org"


def second_instance(app_config: dict[str, Any], connection: Connection,
                    **config: Any) -> Iterator[Flask]:
    """Another app instance (another worker process) on the same database."""
    app = create_app({**app_config, **config})
    database: Database = app.extensions["database"]
    database.bind_to(connection)
    yield app
    database.engine.dispose()


@pytest.fixture
def other_app(app_config: dict[str, Any], connection: Connection) -> Iterator[Flask]:
    """A second worker of the tool."""
    yield from second_instance(app_config, connection)


@pytest.fixture
def https_app(app_config: dict[str, Any], connection: Connection) -> Iterator[Flask]:
    """The tool served over HTTPS."""
    yield from second_instance(app_config, connection, BASE_URL=HTTPS_BASE_URL,
                               SERVER_NAME="tool.example.org")


@pytest.fixture(params=["moodle", "canvas"])
def platform(request: pytest.FixtureRequest, session: Session) -> Platform:
    """A Moodle, then a Canvas, registered with the tool, and a package to link to."""
    publish_small_package(session)
    chosen: Platform = request.getfixturevalue(request.param)
    register(session, chosen)
    return chosen


@pytest.fixture
def registered_canvas(session: Session, canvas: CanvasPlatform) -> CanvasPlatform:
    """The Canvas, registered with the tool, and a package to link to."""
    publish_small_package(session)
    register(session, canvas)
    return canvas


def hand_over_cookie(source: FlaskClient, target: FlaskClient, state: str) -> None:
    """Give ``target`` the state cookie ``source`` got: the same browser, another worker."""
    value = state_cookie(source, state)
    assert value is not None
    target.set_cookie(state_cookie_name(state), value, domain="localhost", path="/lti/")


def set_cookie_header(response: TestResponse, name: str) -> str:
    """The ``Set-Cookie`` header of the response for the cookie whose name starts so."""
    found = [value for value in response.headers.getlist("Set-Cookie")
             if value.startswith(name)]
    assert len(found) == 1, response.headers.getlist("Set-Cookie")
    return found[0]


# Several processes -------------------------------------------------------------------------


def test_a_login_served_by_one_instance_and_a_launch_by_another_succeeds(
        client: FlaskClient, other_app: Flask, platform: Platform) -> None:
    auth_url = login(client, platform, platform.resource_link_launch(custom=CUSTOM))
    state = query_value(auth_url, "state")
    other = other_app.test_client()
    hand_over_cookie(client, other, state)
    fields = platform.complete_oidc(auth_url)
    answer = other.post("/lti/launch", data=fields)
    assert answer.status_code == 303, text_of(answer)
    assert other.get(answer.headers["Location"]).status_code == 200
    assert client.get(answer.headers["Location"]).status_code == 200

    replay = other.post("/lti/launch", data=fields)
    assert replay.status_code == 403 and "a launch cannot be replayed" in text_of(replay)
    assert client.post("/lti/launch", data=fields).status_code == 403  # the first instance


def test_a_nonce_used_on_one_instance_is_refused_on_another(
        client: FlaskClient, other_app: Flask, platform: Platform) -> None:
    captured = launch_fields(client, platform, platform.resource_link_launch(custom=CUSTOM))
    assert client.post("/lti/launch", data=captured).status_code == 303
    other = other_app.test_client()
    auth_url = login(other, platform, platform.resource_link_launch(custom=CUSTOM))
    answer = other.post("/lti/launch", data={"id_token": captured["id_token"],
                                             "state": query_value(auth_url, "state")})
    assert answer.status_code == 403
    assert "nonce" in text_of(answer)


def test_refusals_on_a_database_file_are_logged_at_once_not_after_waiting_for_a_lock(
        app_config: dict[str, Any], tmp_path: Path) -> None:
    """Outside the tests' shared connection, the failure log's own transaction must not wait
    for the write lock the refused request still holds (SQLite: a 5 s wait, then a 500)."""
    url = f"sqlite:///{tmp_path / 'tool.sqlite3'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    app = create_app({**app_config, "DATABASE_URL": url})
    database: Database = app.extensions["database"]
    try:
        client = app.test_client()
        started = time.monotonic()
        launch_answer = client.post("/lti/launch", data={"state": "unknown", "id_token": "x"})
        login_answer = client.post("/lti/login", data={"iss": "https://nowhere.example.org",
                                                       "login_hint": "4",
                                                       "target_link_uri": "http://localhost/"})
        assert time.monotonic() - started < 2
        assert (launch_answer.status_code, login_answer.status_code) == (400, 400)
        with database.transaction() as session:
            reasons = session.scalars(select(LaunchFailure.reason)
                                      .order_by(LaunchFailure.id)).all()
        assert reasons == ["unknown_state", "unknown_registration"]
    finally:
        database.engine.dispose()


# Canvas platform storage (no cookie needed) ------------------------------------------------


def storage_secret_of(login_page: TestResponse) -> str:
    """The secret the login page hands to the platform's storage."""
    found = re.search(r'value: ("[^"]*")', login_page.get_data(as_text=True))
    assert found
    secret: str = json.loads(found.group(1))
    return secret


def test_a_canvas_login_puts_the_state_secret_into_platform_storage(
        client: FlaskClient, registered_canvas: CanvasPlatform) -> None:
    canvas = registered_canvas
    params = canvas.login_initiation_params(canvas.resource_link_launch(custom=CUSTOM))
    assert params["lti_storage_target"] == "post_message_forwarding"
    page = client.post("/lti/login", data=params)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'subject: "lti.put_data"' in html
    assert '"post_message_forwarding"' in html
    auth_url = authorization_url(page)
    assert auth_url.startswith(canvas.auth_url + "?")
    replaced = re.search(r"window\.location\.replace\((\"[^\"]+\")\)", html)
    assert replaced and json.loads(replaced.group(1)) == auth_url
    state = query_value(auth_url, "state")
    assert json.dumps(f"state_{state}") in html
    assert json.dumps(canvas.site_url.rsplit("/", 1)[0]) in html  # the platform's origin only
    assert len(storage_secret_of(page)) >= 40
    assert state_cookie(client, state) == state  # the cookie is still tried first


def test_a_canvas_launch_without_the_cookie_asks_platform_storage_then_succeeds(
        app: Flask, client: FlaskClient, session: Session,
        registered_canvas: CanvasPlatform) -> None:
    canvas = registered_canvas
    page = client.post("/lti/login", data=canvas.login_initiation_params(
        canvas.resource_link_launch(custom=CUSTOM)))
    secret = storage_secret_of(page)
    fields = canvas.complete_oidc(authorization_url(page))
    blocked = app.test_client()  # a browser that blocked the tool's cookie in the iframe
    before = recorded(session)

    ask = blocked.post("/lti/launch", data=fields)
    assert ask.status_code == 200
    html = ask.get_data(as_text=True)
    assert 'subject: "lti.get_data"' in html
    assert json.dumps(f"state_{fields['state']}") in html
    assert 'action="/lti/launch"' in html
    assert recorded(session) == before

    answer = blocked.post("/lti/launch", data={**fields, "lti_storage_secret": secret})
    assert answer.status_code == 303, text_of(answer)
    assert blocked.get(answer.headers["Location"]).status_code == 200
    assert recorded(session)["LaunchSession"] == before["LaunchSession"] + 1


@pytest.mark.parametrize("secret", ["not-the-secret", ""], ids=["wrong secret", "none kept"])
def test_a_canvas_launch_with_a_wrong_or_missing_storage_secret_is_refused(
        app: Flask, client: FlaskClient, session: Session, registered_canvas: CanvasPlatform,
        secret: str) -> None:
    """An empty secret (the platform kept none) is refused, not asked for again in a loop."""
    canvas = registered_canvas
    fields = launch_fields(client, canvas, canvas.resource_link_launch(custom=CUSTOM))
    before = recorded(session)
    answer = app.test_client().post("/lti/launch", data={**fields, "lti_storage_secret": secret})
    assert answer.status_code == 400
    assert "This browser did not start this launch" in text_of(answer)
    assert "platform storage" in text_of(answer)
    assert recorded(session) == before


def test_the_storage_page_goes_on_when_the_platform_never_answers(
        app: Flask, client: FlaskClient, registered_canvas: CanvasPlatform) -> None:
    canvas = registered_canvas
    fields = launch_fields(client, canvas, canvas.resource_link_launch(custom=CUSTOM))
    html = app.test_client().post("/lti/launch", data=fields).get_data(as_text=True)
    assert 'setTimeout(function () { send(""); }' in html


def test_a_moodle_launch_without_the_cookie_is_not_offered_platform_storage(
        app: Flask, client: FlaskClient, session: Session, moodle: MoodlePlatform) -> None:
    publish_small_package(session)
    register(session, moodle)
    fields = launch_fields(client, moodle, moodle.resource_link_launch(custom=CUSTOM))
    answer = app.test_client().post("/lti/launch", data=fields)
    assert answer.status_code == 400
    assert "lti.get_data" not in answer.get_data(as_text=True)


# Cookies -----------------------------------------------------------------------------------


def test_over_http_the_state_cookie_is_samesite_lax_and_httponly(
        client: FlaskClient, platform: Platform) -> None:
    message = platform.resource_link_launch(custom=CUSTOM)
    answer = client.post("/lti/login", data=platform.login_initiation_params(message))
    cookie = set_cookie_header(answer, "lti_state_")
    attributes = [part.strip() for part in cookie.split(";")]
    assert "HttpOnly" in attributes and "SameSite=Lax" in attributes
    assert "Secure" not in attributes and "Path=/lti/" in attributes
    assert "Max-Age=600" in attributes


def test_over_https_the_state_cookie_is_samesite_none_secure_and_httponly(
        https_app: Flask, session: Session, platform: Platform) -> None:
    platform.configure_tool(login_url=f"{HTTPS_BASE_URL}/lti/login",
                            redirect_uris=[f"{HTTPS_BASE_URL}/lti/launch"],
                            target_link_uri=f"{HTTPS_BASE_URL}/lti/launch")
    client = https_app.test_client()
    answer = client.post("/lti/login", base_url=HTTPS_BASE_URL,
                         data=platform.login_initiation_params(
                             platform.resource_link_launch(custom=CUSTOM)))
    attributes = [part.strip() for part in set_cookie_header(answer, "lti_state_").split(";")]
    assert {"Secure", "HttpOnly", "SameSite=None", "Path=/lti/"} <= set(attributes)


def test_over_https_the_whole_launch_works_and_the_cookie_is_removed_the_same_way(
        https_app: Flask, session: Session, moodle: MoodlePlatform) -> None:
    publish_small_package(session)
    register(session, moodle, base_url=HTTPS_BASE_URL)
    client = https_app.test_client()
    auth_url = login(client, moodle, moodle.resource_link_launch(custom=CUSTOM),
                     base_url=HTTPS_BASE_URL)
    assert query_value(auth_url, "redirect_uri") == f"{HTTPS_BASE_URL}/lti/launch"
    state = query_value(auth_url, "state")
    answer = client.post("/lti/launch", base_url=HTTPS_BASE_URL,
                         data=moodle.complete_oidc(auth_url))
    assert answer.status_code == 303, text_of(answer)
    removal = set_cookie_header(answer, state_cookie_name(state))
    assert "Max-Age=0" in removal or "Expires=Thu, 01 Jan 1970" in removal
    assert "SameSite=None" in removal and "Secure" in removal
    page = client.get(answer.headers["Location"], base_url=HTTPS_BASE_URL)
    assert page.status_code == 200 and "Launch test package" in text_of(page)


def test_the_state_cookie_is_removed_after_the_launch(
        client: FlaskClient, platform: Platform) -> None:
    auth_url = login(client, platform, platform.resource_link_launch(custom=CUSTOM))
    state = query_value(auth_url, "state")
    assert state_cookie(client, state) == state
    answer = client.post("/lti/launch", data=platform.complete_oidc(auth_url))
    assert answer.status_code == 303
    assert state_cookie(client, state) is None
