"""The demo LMS: a real LTI 1.3 platform at /demo-lms/, driven through the whole flow over HTTP.

A small browser stand-in presses the pages' buttons: it follows redirects, submits forms as
they are written in the HTML (the auto-submitting ones too) and keeps the cookie jar, so the
tool's state cookie travels from ``/lti/login`` to ``/lti/launch`` as in a real browser.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from curriculum.app import create_app
from curriculum.config import ConfigError
from curriculum.db import Database
from curriculum.jobs.worker import Worker
from lti import claims as c
from lti import delivery as delivery_module
from lti.demo_lms.models import DemoPlacedLink, DemoScore
from lti.demo_lms.platform import CLIENT_ID, LEARNER, TRAINER, demo_urls, key_set
from lti.demo_lms.setup import register_demo_lms
from lti.keys import sign, signing_key
from lti.models import LaunchSession, Registration, ResourceLinkUser
from lti.pages import launched_content
from lti.progress import complete_module, progress_of
from packages.demo.loader import load_demo

BASE = "http://localhost"
ISSUER = f"{BASE}/demo-lms"
FOUNDATIONS = "foundations-of-migration-governance"
FOUNDATIONS_TITLE = "Core Curriculum: Foundations of Migration Governance"
DATA = "migration-data-for-policy"
DATA_TITLE = "Migration Data for Policy"


# A browser stand-in -------------------------------------------------------------------------


@dataclass
class Form:
    """A form as the page writes it: where it goes, its fields, the text of its buttons."""

    action: str
    method: str
    id: str | None
    fields: list[tuple[str, str]] = field(default_factory=list)
    buttons: list[str] = field(default_factory=list)

    def value(self, name: str) -> str | None:
        """A field's value."""
        return next((v for n, v in self.fields if n == name), None)


class FormParser(HTMLParser):
    """Reads every form of a page with what a browser would submit by default, and its
    buttons by their accessible names (``aria-label``, else their text)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._button: list[str] | None = None
        self._button_label: str | None = None
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Open forms, buttons and selects; collect inputs."""
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(a.get("action", ""), a.get("method", "get").lower(),
                                   a.get("id")))
        elif tag == "input" and self.forms and a.get("name"):
            kind = a.get("type", "text")
            if kind not in ("radio", "checkbox") or "checked" in a:
                self.forms[-1].fields.append((a["name"], a.get("value", "")))
        elif tag == "button":
            self._button = []
            self._button_label = a.get("aria-label")
        elif tag == "select":
            self._select, self._options = a.get("name"), []
        elif tag == "option" and self._select:
            self._options.append((a.get("value", ""), "selected" in a))

    def handle_endtag(self, tag: str) -> None:
        """Close buttons and selects."""
        if tag == "button" and self._button is not None and self.forms:
            text = " ".join("".join(self._button).split())
            self.forms[-1].buttons.append(self._button_label or text)
            self._button = None
        elif tag == "select" and self._select and self.forms and self._options:
            chosen = next((v for v, selected in self._options if selected), self._options[0][0])
            self.forms[-1].fields.append((self._select, chosen))
            self._select = None

    def handle_data(self, data: str) -> None:
        """Button text."""
        if self._button is not None:
            self._button.append(data)


def forms_of(response: TestResponse) -> list[Form]:
    """The forms of an HTML page."""
    parser = FormParser()
    parser.feed(response.get_data(as_text=True))
    return parser.forms


class Visitor:
    """Opens pages and presses buttons through the Flask test client, as a person would."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.page: TestResponse | None = None

    def open(self, url: str) -> TestResponse:
        """GET a page, following redirects."""
        self.page = self.client.get(url, follow_redirects=True)
        return self.page

    def form(self, button: str | None = None, *, form_id: str | None = None,
             having: Mapping[str, str] | None = None) -> Form:
        """The one form of the current page with this button (text), id, or field values."""
        assert self.page is not None
        found = [f for f in forms_of(self.page)
                 if (button is None or button in f.buttons)
                 and (form_id is None or f.id == form_id)
                 and all(f.value(k) == v for k, v in (having or {}).items())]
        assert len(found) == 1, f"{len(found)} forms match {button!r} {form_id!r} {having!r}"
        return found[0]

    def press(self, button: str | None = None, *, form_id: str | None = None,
              having: Mapping[str, str] | None = None,
              change: Mapping[str, str] | None = None) -> TestResponse:
        """Submit a form (with ``change``d fields) and follow where it leads."""
        form = self.form(button, form_id=form_id, having=having)
        data = dict(form.fields)
        data.update(change or {})
        assert self.page is not None
        action = form.action or self.page.request.url
        self.page = (self.client.post(action, data=data, follow_redirects=True)
                     if form.method == "post" else
                     self.client.get(action, query_string=data, follow_redirects=True))
        return self.page

    @property
    def path(self) -> str:
        """The path of the current page."""
        assert self.page is not None
        return str(self.page.request.path)

    @property
    def text(self) -> str:
        """The current page's HTML."""
        assert self.page is not None
        return self.page.get_data(as_text=True)

    def h1(self) -> str:
        """The page's one heading of level 1, as text."""
        headings = re.findall(r"<h1[^>]*>(.*?)</h1>", self.text, re.S)
        assert len(headings) == 1, headings
        return re.sub(r"<[^>]+>", "", headings[0]).strip()


# Fixtures -----------------------------------------------------------------------------------


@pytest.fixture
def demo_lms(session: Session) -> Registration:
    """The demo curriculum loaded and the demo LMS registered, as ``curriculum demo load`` does."""
    load_demo(session)
    registration = register_demo_lms(session, BASE).registration
    session.commit()
    return registration


@pytest.fixture
def visitor(client: FlaskClient, demo_lms: Registration) -> Visitor:
    """A person (a browser stand-in) on the demo course page."""
    visitor = Visitor(client)
    response = visitor.open("/demo-lms/")
    assert response.status_code == 200
    return visitor


def launch(visitor: Visitor, label: str, title: str) -> dict[str, Any]:
    """Press a launch button; stop on the demo LMS's answer and return the id_token's claims."""
    page = visitor.press(f"{label}: {title}")
    assert page.status_code == 200, visitor.text
    assert visitor.path == "/demo-lms/auth"
    token = visitor.form(form_id="lti-launch").value("id_token")
    assert token
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


def open_as(visitor: Visitor, label: str, title: str) -> dict[str, Any]:
    """Launch from the course page through to the tool's page."""
    claims = launch(visitor, label, title)
    page = visitor.press("Continue to the activity", form_id="lti-launch")
    assert page.status_code == 200, visitor.text
    assert visitor.path.startswith("/lti/launches/")
    return claims


def add_content(visitor: Visitor, package: str, **change: str) -> TestResponse:
    """As the trainer, choose a package in the tool's picker and bring it back to the course."""
    visitor.press("Add content (Deep Linking)")
    visitor.press("Continue to the activity", form_id="lti-launch")
    assert visitor.path.endswith("/deep-linking"), visitor.text
    assert visitor.h1() == "Add training from the GMG curriculum"
    visitor.press("Add to the course", having={"package": package}, change=change)
    assert visitor.form(form_id="deep-linking-response").action == f"{ISSUER}/deep-linking/return"
    return visitor.press(form_id="deep-linking-response")


# The course page and launches ---------------------------------------------------------------


def test_the_course_page_offers_the_seeded_package_to_both_people(visitor: Visitor):
    assert visitor.h1() == "Demo course: Migration governance"
    assert FOUNDATIONS_TITLE in visitor.text
    learner = visitor.form(f"Open as learner: {FOUNDATIONS_TITLE}")
    trainer = visitor.form(f"Open as trainer: {FOUNDATIONS_TITLE}")
    assert learner.action == f"{BASE}/lti/login" and learner.method == "post"
    assert learner.value("iss") == ISSUER and learner.value("client_id") == CLIENT_ID
    assert learner.value("lti_deployment_id") == "1"
    assert learner.value("target_link_uri") == f"{BASE}/lti/launch"
    assert (learner.value("login_hint"), trainer.value("login_hint")) == (LEARNER.sub, TRAINER.sub)
    assert visitor.form("Add content (Deep Linking)").value("login_hint") == TRAINER.sub


def test_a_learner_launch_opens_the_package(visitor: Visitor, session: Session):
    claims = open_as(visitor, "Open as learner", FOUNDATIONS_TITLE)

    assert visitor.h1() == FOUNDATIONS_TITLE
    assert "Trainer view" not in visitor.text
    link = session.scalars(select(DemoPlacedLink)).one()
    assert claims["iss"] == ISSUER and claims["aud"] == CLIENT_ID
    assert claims["sub"] == LEARNER.sub and claims["name"] == "Amina Diallo"
    assert claims[c.MESSAGE_TYPE] == c.RESOURCE_LINK_REQUEST
    assert claims[c.ROLES] == ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"]
    assert claims[c.RESOURCE_LINK]["id"] == str(link.id)
    assert claims[c.CUSTOM] == {"package": FOUNDATIONS}
    assert claims[c.CONTEXT]["title"] == "Demo course: Migration governance"
    assert claims[c.LAUNCH_PRESENTATION]["return_url"] == f"{ISSUER}/"
    ags = claims[c.AGS_ENDPOINT]
    assert ags["lineitem"] == f"{ISSUER}/lineitems/{link.id}?type_id=1"
    assert len(ags["scope"]) == 4
    assert claims[c.NRPS]["service_versions"] == ["1.0", "2.0"]


def test_the_trainer_sees_the_learner_who_opened_the_link(visitor: Visitor, session: Session):
    open_as(visitor, "Open as learner", FOUNDATIONS_TITLE)
    visitor.open("/demo-lms/")

    claims = open_as(visitor, "Open as trainer", FOUNDATIONS_TITLE)

    assert claims["name"] == "Carlos Mendes"
    assert claims[c.ROLES] == ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"]
    assert "Trainer view" in visitor.text and FOUNDATIONS_TITLE in visitor.text
    assert "Learners of the course" in visitor.text
    assert "Amina Diallo" in visitor.text and "Carlos Mendes" not in visitor.text
    visits = session.scalars(select(ResourceLinkUser)).all()
    assert sorted(v.is_instructor for v in visits) == [False, True]


def test_the_launch_is_signed_with_the_key_the_tool_has_registered(visitor: Visitor,
                                                                 session: Session):
    launch(visitor, "Open as learner", FOUNDATIONS_TITLE)
    token = visitor.form(form_id="lti-launch").value("id_token")
    assert token is not None
    registration = session.scalars(select(Registration).where(
        Registration.issuer == ISSUER)).one()
    served = visitor.client.get("/demo-lms/jwks.json").get_json()

    assert registration.static_key_set == served == key_set(session)
    assert registration.key_set_url is None
    key = jwt.PyJWK(served["keys"][0])
    assert jwt.decode(token, key, algorithms=["RS256"], audience=CLIENT_ID)["nonce"]


def test_a_launch_page_posted_twice_is_refused_by_the_tool(visitor: Visitor):
    launch(visitor, "Open as learner", FOUNDATIONS_TITLE)
    form = visitor.form(form_id="lti-launch")
    assert visitor.press(form_id="lti-launch").status_code == 200

    replay = visitor.client.post(form.action, data=dict(form.fields))

    assert replay.status_code in (400, 403)


# Deep Linking -------------------------------------------------------------------------------


def test_deep_linking_places_a_package_that_then_launches(visitor: Visitor, session: Session):
    page = add_content(visitor, DATA)

    assert page.status_code == 200 and visitor.path == "/demo-lms/"
    assert "1 activity added to the course." in visitor.text
    placed = session.scalars(select(DemoPlacedLink).where(
        DemoPlacedLink.title == DATA_TITLE)).one()
    assert placed.custom == {"package": DATA}
    assert (placed.score_maximum, placed.line_item_label) == (100.0, DATA_TITLE)
    assert placed.url == f"{BASE}/lti/launch"

    claims = open_as(visitor, "Open as learner", DATA_TITLE)

    assert visitor.h1() == DATA_TITLE
    assert claims[c.RESOURCE_LINK]["id"] == str(placed.id)
    assert claims[c.CUSTOM] == {"package": DATA}


def test_the_deep_linking_request_looks_like_moodles(visitor: Visitor):
    visitor.press("Add content (Deep Linking)")
    token = visitor.form(form_id="lti-launch").value("id_token")
    claims = jwt.decode(token or "", options={"verify_signature": False})

    assert claims[c.MESSAGE_TYPE] == c.DEEP_LINKING_REQUEST
    assert claims["sub"] == TRAINER.sub and c.RESOURCE_LINK not in claims
    settings = claims[c.DEEP_LINKING_SETTINGS]
    assert settings["accept_multiple"] is True and "data" not in settings
    assert settings["deep_link_return_url"] == f"{ISSUER}/deep-linking/return"
    assert "lineitem" not in claims[c.AGS_ENDPOINT] and claims[c.AGS_ENDPOINT]["lineitems"]


def test_deep_linking_can_place_one_link_per_module(visitor: Visitor, session: Session):
    add_content(visitor, DATA, choice="modules")

    assert "6 activities added to the course." in visitor.text
    links = session.scalars(select(DemoPlacedLink).where(
        DemoPlacedLink.resource_id.startswith(f"{DATA}:"))).all()
    assert len(links) == 6 and all(link.custom["module"] for link in links)


def test_a_deep_linking_response_posted_again_adds_nothing(visitor: Visitor, session: Session):
    visitor.press("Add content (Deep Linking)")
    visitor.press("Continue to the activity", form_id="lti-launch")
    visitor.press("Add to the course", having={"package": DATA})
    response = visitor.form(form_id="deep-linking-response")
    visitor.press(form_id="deep-linking-response")
    count = session.scalar(select(func.count()).select_from(DemoPlacedLink))

    again = visitor.client.post(response.action, data=dict(response.fields))

    assert again.status_code == 303
    assert session.scalar(select(func.count()).select_from(DemoPlacedLink)) == count == 2


def test_a_deep_linking_response_not_signed_by_the_tool_is_refused(
        client: FlaskClient, session: Session, demo_lms: Registration):
    kid = signing_key(session).kid
    session.commit()
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode({"iss": CLIENT_ID, "aud": [ISSUER], "iat": 0, "exp": 2**31,
                        "nonce": "n", c.MESSAGE_TYPE: "LtiDeepLinkingResponse"},
                       stranger, algorithm="RS256", headers={"kid": kid})

    response = client.post("/demo-lms/deep-linking/return", data={"JWT": token})

    assert response.status_code == 400
    assert "not valid" in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(DemoPlacedLink)) == 1


def test_a_deep_linking_response_for_another_issuer_is_refused(
        client: FlaskClient, session: Session, demo_lms: Registration):
    token = sign(session, {"iss": CLIENT_ID, "aud": ["https://elsewhere.example.org"],
                           "iat": 2**30, "exp": 2**31, "nonce": "n"})
    session.commit()

    response = client.post("/demo-lms/deep-linking/return", data={"JWT": token})

    assert response.status_code == 400


# The authorization endpoint refuses what a platform must refuse -----------------------------


def auth_params(**change: str) -> dict[str, str]:
    """A correct authorization request for the learner on the first link, with changes."""
    params = {"scope": "openid", "response_type": "id_token", "response_mode": "form_post",
              "prompt": "none", "client_id": CLIENT_ID, "redirect_uri": f"{BASE}/lti/launch",
              "login_hint": LEARNER.sub, "state": "s" * 20, "nonce": "n" * 20,
              "lti_message_hint": '{"deep_linking": true}'}
    params.update(change)
    return {k: v for k, v in params.items() if v != "-"}


@pytest.mark.parametrize(("change", "message"), [
    ({"login_hint": TRAINER.sub}, "Opening the activity"),
    ({"client_id": "someone-else"}, "client_id"),
    ({"redirect_uri": "https://evil.example.org/launch", "login_hint": TRAINER.sub},
     "redirect_uri"),
    ({"response_type": "code", "login_hint": TRAINER.sub}, "response_type"),
    ({"scope": "profile", "login_hint": TRAINER.sub}, "openid"),
    ({"nonce": "-", "login_hint": TRAINER.sub}, "nonce"),
    ({"state": "-", "login_hint": TRAINER.sub}, "state"),
    ({"login_hint": "99"}, "nobody"),
    ({}, "only trainers add content"),
    ({"lti_message_hint": '{"cmid": 9999}'}, "not in the demo course"),
    ({"lti_message_hint": "not json"}, "lti_message_hint"),
])
def test_the_authorization_endpoint_checks_the_request(
        client: FlaskClient, demo_lms: Registration, change: dict[str, str], message: str):
    response = client.get("/demo-lms/auth", query_string=auth_params(**change))

    assert message in response.get_data(as_text=True)
    assert response.status_code == (200 if message == "Opening the activity" else 400)


# Registration, gradebook, and when the demo LMS is not there ---------------------------------


def test_registering_twice_changes_nothing(session: Session, demo_lms: Registration):
    again = register_demo_lms(session, BASE)

    assert not again.created and again.links_added == 0
    assert again.registration.id == demo_lms.id
    assert [d.deployment_id for d in again.registration.deployments] == ["1"]
    assert demo_lms.partner.name == "Demo training centre"
    assert demo_lms.auth_login_url == f"{ISSUER}/auth"
    assert session.scalar(select(func.count()).select_from(DemoPlacedLink)) == 1
    assert demo_urls(BASE + "/").issuer == ISSUER


def test_the_gradebook_lists_the_columns_and_no_scores_yet(visitor: Visitor):
    visitor.open("/demo-lms/gradebook")

    assert visitor.h1() == "Gradebook"
    assert f"<th scope=\"col\">{FOUNDATIONS_TITLE}" in visitor.text
    assert "Amina Diallo" in visitor.text
    assert "No scores yet" in visitor.text


def test_demo_load_registers_the_demo_lms(runner: Any, session: Session):
    result = runner.invoke(args=["demo", "load"])

    assert result.exit_code == 0, result.output
    assert f"The demo LMS is registered: {ISSUER}/" in result.output
    assert session.scalars(select(Registration).where(Registration.client_id == CLIENT_ID)
                           ).one().issuer == ISSUER
    assert "The demo LMS is up to date" in runner.invoke(args=["demo", "load"]).output


@pytest.fixture
def app_without_demo(app_config: dict[str, Any], connection: Connection
                     ) -> Iterator[Any]:
    """Build apps with other settings, on the test's database."""
    apps: list[Flask] = []

    def build(**config: Any) -> Flask:
        app = create_app({**app_config, **config})
        database: Database = app.extensions["database"]
        database.bind_to(connection)
        apps.append(app)
        return app

    yield build
    for app in apps:
        app.extensions["database"].engine.dispose()


def test_there_is_no_demo_lms_when_demo_mode_is_off(app_without_demo: Any):
    app = app_without_demo(DEMO_MODE=False)

    assert app.test_client().get("/demo-lms/").status_code == 404
    assert app.test_client().get("/demo-lms/jwks.json").status_code == 404
    assert "demo_lms" not in app.blueprints


def test_there_is_no_demo_lms_in_production(app_without_demo: Any):
    app = app_without_demo(ENV="production", DEMO_MODE=False, SECRET_KEY="a real secret",
                           BASE_URL="https://curriculum.example.org")

    assert app.test_client().get("/demo-lms/").status_code == 404
    with pytest.raises(ConfigError):
        app_without_demo(ENV="production", DEMO_MODE=True, SECRET_KEY="a real secret",
                         BASE_URL="https://curriculum.example.org")


# Scores reach the demo gradebook ------------------------------------------------------------


class WsgiAdapter(requests.adapters.BaseAdapter):
    """Sends ``requests`` calls to the app through its test client (the demo LMS lives in the
    app, which the test serves on no port)."""

    def __init__(self, client: FlaskClient) -> None:
        super().__init__()
        self.client = client

    def send(self, request: requests.PreparedRequest, **_options: Any) -> requests.Response:
        """Answer ``request`` with the app's answer."""
        parts = urlsplit(str(request.url))
        answer = self.client.open(parts.path, method=str(request.method),
                                  query_string=parts.query, headers=dict(request.headers),
                                  data=request.body)
        response = requests.Response()
        response.status_code = answer.status_code
        response.headers.update(answer.headers)
        response._content = answer.get_data()
        response.url = str(request.url)
        response.request = request
        return response

    def close(self) -> None:
        """Nothing to close."""


def test_a_learners_completion_reaches_the_demo_gradebook_through_the_worker(
        app: Flask, client: FlaskClient, visitor: Visitor, session: Session,
        monkeypatch: pytest.MonkeyPatch):
    open_as(visitor, "Open as learner", FOUNDATIONS_TITLE)
    launch_id = visitor.path.split("/")[3]
    launch_session = session.get(LaunchSession, launch_id)
    assert launch_session is not None
    content = launched_content(session, launch_session)
    assert content is not None
    module = progress_of(session, launch_session, content).modules[0].slug
    change = complete_module(session, launch_session, content, module)
    session.commit()

    http = requests.Session()
    http.mount("http://localhost/", WsgiAdapter(app.test_client()))
    monkeypatch.setattr(delivery_module, "_http_session", lambda _threads: http)
    app.config.update(OUTBOX_THREADS=1, OUTBOX_PER_REGISTRATION=1)  # one test connection
    # The worker's turn without its jobs (it would render all the demo syllabi first).
    with app.app_context():
        assert Worker(app).poll() == 1

    [score] = session.scalars(select(DemoScore)).all()
    expected = round(change.progress.share * 100, 1)
    assert (score.user_id, score.score_given, score.score_maximum) == (LEARNER.sub, expected,
                                                                       100.0)
    assert score.activity_progress == "InProgress"
    gradebook = visitor.open("/demo-lms/gradebook")
    assert f"{expected} / 100.0" in visitor.text and gradebook.status_code == 200


def test_the_demo_token_endpoint_refuses_an_assertion_not_signed_by_the_tool(
        client: FlaskClient, demo_lms: Registration):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assertion = jwt.encode({"iss": CLIENT_ID, "sub": CLIENT_ID, "aud": f"{ISSUER}/token",
                            "iat": 0, "exp": 2**31, "jti": "x"}, other, algorithm="RS256",
                           headers={"kid": "not-the-tools"})
    answer = client.post("/demo-lms/token", data={
        "grant_type": "client_credentials", "client_assertion": assertion, "scope": "x",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"})
    assert answer.status_code == 401 and answer.get_json()["error"] == "invalid_client"
    scores = client.post("/demo-lms/lineitems/1/scores", json={},
                         headers={"Authorization": "Bearer forged"})
    assert scores.status_code == 401
