"""Shared steps of the launch tests: the tool registered with a simulated platform, content to
launch, and the browser's round trip (login, the platform's OIDC endpoint, the launch).

The simulator cannot reach the Flask test client over HTTP, so the platform is given the tool's
key set as a document (``configure_tool(jwks=...)``) instead of its URL.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from urllib.parse import parse_qs, urlsplit

from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from curriculum.inventory.reference import load_agencies, reference_agencies
from curriculum.inventory.services import create_module
from lti.keys import jwks, signing_key
from lti.launch import state_cookie_name
from lti.models import LaunchSession, LmsUser, Registration, ResourceLink
from lti.registrations import create_partner, create_registration
from lti.urls import tool_urls
from packages.services import create_package, publish_package
from tests.helpers import module_data, package_data
from tests.lti.simulator import Message, Platform

TOOL_BASE_URL = "http://localhost"
TOOL = tool_urls(TOOL_BASE_URL)
#: The demo curriculum's package with two published versions.
FOUNDATIONS = "foundations-of-migration-governance"
#: The small package ``publish_small_package`` makes.
SMALL_PACKAGE = "launch-test-package"


def register(session: Session, platform: Platform, *, base_url: str = TOOL_BASE_URL,
             deployment_ids: Iterable[str] | None = None) -> Registration:
    """Register ``platform`` with the tool (committed) and tell the platform the tool's URLs
    (the tool's key set as a document)."""
    urls = tool_urls(base_url)
    partner = create_partner(session, {"name": f"Partner of {platform.slug} {platform.client_id}"})
    registration = create_registration(session, partner, {
        "issuer": platform.issuer, "client_id": platform.client_id,
        "auth_login_url": platform.auth_url, "auth_token_url": platform.token_url,
        "key_set_url": platform.jwks_url, "product_family": platform.flavour,
        "deployment_ids": list(deployment_ids or [platform.deployment_id])})
    signing_key(session)
    platform.configure_tool(login_url=urls.login, redirect_uris=[urls.launch],
                            target_link_uri=urls.launch, jwks=jwks(session))
    session.commit()
    return registration


def load_demo_curriculum(runner: FlaskCliRunner) -> None:
    """The demo curriculum (seven published packages; the foundations one in two versions)."""
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output


def publish_small_package(session: Session) -> str:
    """A published package of two modules (much quicker than the demo); its slug."""
    load_agencies(session, [a for a in reference_agencies() if a["code"] in ("IOM", "UNITAR")])
    slugs = [create_module(session, module_data(title)).slug
             for title in ("Launch test module one", "Launch test module two")]
    package = create_package(session, package_data(slugs, title="Launch test package",
                                                   slug=SMALL_PACKAGE))
    publish_package(session, package, "First publication.", None)
    session.commit()
    return package.slug


# The browser's round trip ------------------------------------------------------------------


def authorization_url(login: TestResponse) -> str:
    """Where the tool's answer to a login initiation sends the browser: the redirect, or the
    platform-storage page's link (the page that first hands the state to the platform)."""
    if login.status_code == 302:
        return str(login.headers["Location"])
    assert login.status_code == 200, login.get_data(as_text=True)
    found = re.search(r'<a href="([^"]+)">Continue</a>', login.get_data(as_text=True))
    assert found, "the platform storage page has no link to the platform"
    return html.unescape(found.group(1))


def login(client: FlaskClient, platform: Platform, message: Message, *,
          base_url: str = TOOL_BASE_URL, remove: Iterable[str] = (), **params: str) -> str:
    """POST the login initiation for ``message`` (``params``/``remove`` bend its fields); the
    tool's authorization request URL."""
    initiation = {**platform.login_initiation_params(message, remove=remove), **params}
    answer = client.post("/lti/login", base_url=base_url, data=initiation)
    return authorization_url(answer)


def launch_fields(client: FlaskClient, platform: Platform, message: Message, *,
                  remove: Iterable[str] = (), **params: str) -> dict[str, str]:
    """Login, then the platform's answer: the ``id_token`` and ``state`` to post."""
    return platform.complete_oidc(login(client, platform, message, remove=remove, **params))


def launch(client: FlaskClient, platform: Platform, message: Message, *,
           remove: Iterable[str] = (), **params: str) -> TestResponse:
    """The full round trip through the test client; the answer to the launch POST."""
    fields = launch_fields(client, platform, message, remove=remove, **params)
    return client.post("/lti/launch", data=fields)


def open_launch(client: FlaskClient, platform: Platform, message: Message) -> TestResponse:
    """A launch that must succeed, followed to the page it opens."""
    answer = launch(client, platform, message)
    assert answer.status_code == 303, text_of(answer)
    page = client.get(answer.headers["Location"])
    assert page.status_code == 200, text_of(page)
    return page


def query_value(auth_url: str, name: str) -> str:
    """A parameter of the tool's authorization request (``state``, ``nonce``)."""
    values = parse_qs(urlsplit(auth_url).query)[name]
    return values[0]


def state_cookie(client: FlaskClient, state: str) -> str | None:
    """The value of this login's state cookie in ``client``, if it has it."""
    cookie = client.get_cookie(state_cookie_name(state), domain="localhost", path="/lti/")
    return cookie.value if cookie is not None else None


# What got recorded -------------------------------------------------------------------------


def recorded(session: Session) -> dict[str, int]:
    """How many users, resource links and launch sessions are stored (read fresh)."""
    session.expire_all()
    return {model.__name__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in (LmsUser, ResourceLink, LaunchSession)}


def text_of(response: TestResponse) -> str:
    """A page's text, unescaped, with its whitespace folded (for phrase checks)."""
    body = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return " ".join(html.unescape(body).split())


def launch_id_of(response: TestResponse) -> str:
    """The launch session id a successful launch redirects to."""
    found = re.search(r"/lti/launches/([^/?]+)", response.headers["Location"])
    assert found, response.headers["Location"]
    return found.group(1)

