"""A learner inside the LMS's iframe, in Chromium: a page at another site (``localhost``, where
the tool is ``127.0.0.1``) plays a Canvas course page. It frames the tool, posts the login
initiation into the frame, answers the tool's platform storage messages (``lti.put_data`` /
``lti.get_data``), and signs the launch with a simulated Canvas's key. The learner then opens a
module and marks it complete with the keyboard, once with third-party cookies allowed and once
with them blocked: after the launch, the tool needs no cookie (the launch id is in the URL).
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserType, FrameLocator, Page, expect
from werkzeug.wrappers import Request, Response

from lti.models import Registration
from tests.browser.conftest import CHROMIUM_ARGS, chromium_path, serving
from tests.browser.pages import FOUNDATIONS
from tests.browser.test_accessibility import NAMELESS_BUTTONS, UNLABELLED_CONTROLS
from tests.lti.simulator import CanvasPlatform, Simulator
from tests.lti.tool import register

FOUNDATIONS_TITLE = "Core Curriculum: Foundations of Migration Governance"

#: The course page: the tool in an iframe, the login initiation posted into it, and the
#: platform storage Canvas offers framed tools (kept in this page's memory).
COURSE_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Canvas course</title></head><body><main><h1>Canvas course</h1>
<form id="login" method="post" action="{action}" target="tool">{fields}</form>
<iframe name="tool" title="GMG training" style="width:100%;height:80vh"></iframe></main>
<script>
var store = {{}};
window.addEventListener("message", function (event) {{
  var data = event.data || {{}};
  if (data.subject === "lti.put_data") {{
    store[data.key] = data.value;
    event.source.postMessage({{subject: "lti.put_data.response", message_id: data.message_id,
                              key: data.key, value: data.value}}, event.origin);
  }} else if (data.subject === "lti.get_data") {{
    event.source.postMessage({{subject: "lti.get_data.response", message_id: data.message_id,
                              key: data.key, value: store[data.key]}}, event.origin);
  }}
}});
document.getElementById("login").submit();
</script></body></html>"""

AUTO_POST = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Launching</title>
</head><body><form id="f" method="post" action="{action}">{fields}</form>
<script>document.getElementById("f").submit();</script></body></html>"""


def hidden_fields(fields: dict[str, str]) -> str:
    """Hidden inputs for ``fields``."""
    return "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                   for k, v in fields.items())


class CoursePages:
    """The LMS's browser side: the course page and the OIDC authorization endpoint (WSGI)."""

    def __init__(self) -> None:
        self.platform: CanvasPlatform | None = None
        self.login: dict[str, str] = {}
        self.tool_login_url = ""

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        assert self.platform is not None
        if request.path == "/course":
            body = COURSE_PAGE.format(action=html.escape(self.tool_login_url),
                                      fields=hidden_fields(self.login))
        elif request.path == "/auth":
            post = self.platform.oidc_form_post(request.url)
            body = AUTO_POST.format(action=html.escape(post.action),
                                    fields=hidden_fields(post.fields))
        else:
            return Response("not found", status=404)(environ, start_response)
        return Response(body, mimetype="text/html")(environ, start_response)


@pytest.fixture(scope="module")
def simulator() -> Iterator[Simulator]:
    """The platform simulator (its key set is what the tool fetches)."""
    with Simulator() as running:
        yield running


@pytest.fixture(scope="module")
def lms() -> Iterator[tuple[CoursePages, str]]:
    """The course pages, served on the loopback and addressed as ``localhost``: another site
    than the tool's ``127.0.0.1`` (Chromium lets a local page frame a local server)."""
    pages = CoursePages()
    with serving(pages) as server:
        yield pages, f"http://localhost:{server.server_port}"


@pytest.fixture
def canvas(simulator: Simulator, lms: tuple[CoursePages, str], live_app: Flask,
           live_server: str) -> Iterator[CanvasPlatform]:
    """A Canvas registered with the live tool, whose browser side is the course pages."""
    pages, address = lms
    platform = simulator.add_platform("canvas")
    with live_app.extensions["database"].transaction() as session:
        registration: Registration = register(session, platform, base_url=live_server)
        registration.auth_login_url = f"{address}/auth"
    message = platform.resource_link_launch(custom={"package": FOUNDATIONS},
                                            resource_link_title=FOUNDATIONS_TITLE)
    pages.platform, pages.login = platform, platform.login_initiation_params(message)
    pages.tool_login_url = f"{live_server}/lti/login"
    yield platform
    simulator.remove_platform(platform)


def play_the_lms(page: Page, lms: tuple[CoursePages, str]) -> FrameLocator:
    """Open the course page; the tool's frame."""
    page.goto(f"{lms[1]}/course")
    return page.frame_locator("iframe[name=tool]")


def complete_first_module_with_the_keyboard(page: Page, tool: FrameLocator) -> None:
    """From the package page: Start (Enter), then Mark as complete (Space)."""
    start = tool.get_by_role("link", name="Start:")
    expect(start).to_be_visible(timeout=15_000)
    expect(tool.get_by_role("progressbar")).to_have_attribute("value", "0")
    start.focus()
    page.keyboard.press("Enter")
    button = tool.get_by_role("button", name="Mark as complete")
    button.focus()
    page.keyboard.press("Space")
    expect(tool.get_by_role("status")).to_contain_text("You completed this module on")


def test_a_learner_completes_a_module_with_the_keyboard_inside_the_lms_iframe(
        page: Page, canvas: CanvasPlatform, lms: tuple[CoursePages, str]) -> None:
    tool = play_the_lms(page, lms)

    complete_first_module_with_the_keyboard(page, tool)

    tool.get_by_role("link", name="All modules of").click()
    expect(tool.locator(".status.done")).to_have_count(1)
    expect(tool.get_by_role("link", name="Continue:")).to_be_visible()


@pytest.fixture
def cookieless_browser(browser_type: BrowserType, browser_type_launch_args: dict[str, Any]
                       ) -> Iterator[Browser]:
    """Chromium that blocks third-party cookies (as Chrome's phase-out and Safari do)."""
    executable = chromium_path()
    if executable is None:
        pytest.skip("Chromium is missing")
    args = [*CHROMIUM_ARGS, "--test-third-party-cookie-phaseout"]
    browser = browser_type.launch(**{**browser_type_launch_args, "executable_path": executable,
                                     "args": args})
    yield browser
    browser.close()


def test_the_tool_works_in_the_iframe_with_third_party_cookies_blocked(
        cookieless_browser: Browser, canvas: CanvasPlatform, lms: tuple[CoursePages, str]) -> None:
    context = cookieless_browser.new_context()
    page = context.new_page()
    tool = play_the_lms(page, lms)

    complete_first_module_with_the_keyboard(page, tool)

    tool_cookies = [c for c in context.cookies() if c["domain"] == "127.0.0.1"]
    assert tool_cookies == [], json.dumps(tool_cookies)
    context.close()


def test_the_learner_pages_have_landmarks_labels_and_a_language(
        page: Page, canvas: CanvasPlatform, lms: tuple[CoursePages, str]) -> None:
    tool = play_the_lms(page, lms)
    expect(tool.get_by_role("link", name="Start:")).to_be_visible(timeout=15_000)
    frame = next(f for f in page.frames if "/lti/launches/" in f.url)
    for path in ("", "/module"):
        if path:
            tool.get_by_role("link", name="Start:").click()
            expect(tool.get_by_role("button", name="Mark as complete")).to_be_visible()
        expect(tool.locator("main")).to_have_count(1)
        expect(tool.locator("h1")).to_have_count(1)
        assert frame.evaluate("() => document.documentElement.lang") == "en"
        assert frame.evaluate(UNLABELLED_CONTROLS) == []
        assert frame.evaluate(NAMELESS_BUTTONS) == []
        assert frame.evaluate("() => document.querySelector('progress').labels.length "
                              "+ (document.querySelector('progress')"
                              ".getAttribute('aria-labelledby') ? 1 : 0)") >= 1


