"""Auto-submitting HTML forms, the way LMSs move browsers between themselves and tools."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from html.parser import HTMLParser

from werkzeug.wrappers import Response

from .messages import FormPost


def auto_submit_page(action: str, fields: Mapping[str, str], title: str = "Redirecting") -> str:
    """An HTML page whose form POSTs ``fields`` to ``action`` as soon as it loads."""
    inputs = "\n".join(
        f'    <input type="hidden" name="{escape(name)}" value="{escape(value)}">'
        for name, value in fields.items())
    return (f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{escape(title)}</title></head>\n<body>\n"
            f'  <form id="auto" method="post" action="{escape(action)}">\n{inputs}\n'
            f'    <noscript><button type="submit">Continue</button></noscript>\n  </form>\n'
            f"  <script>document.getElementById('auto').submit();</script>\n</body></html>\n")


def auto_submit_response(post: FormPost, title: str = "Redirecting") -> Response:
    """An HTML answer carrying ``post`` as an auto-submitting form."""
    return Response(auto_submit_page(post.action, post.fields, title), mimetype="text/html")


def error_page(status: int, error: str, description: str) -> Response:
    """An HTML error page, the way an LMS shows a refused request."""
    body = (f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(error)}'
            f"</title></head>\n<body><h1>{escape(error)}</h1><p>{escape(description)}</p>"
            f"</body></html>\n")
    return Response(body, status=status, mimetype="text/html")


class _FormParser(HTMLParser):
    """Collects the first form's action and its inputs."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Note the form's action and each named input."""
        values = {name: value or "" for name, value in attrs}
        if tag == "form" and self.action is None:
            self.action = values.get("action", "")
        elif tag == "input" and self.action is not None and values.get("name"):
            self.fields[values["name"]] = values.get("value", "")


def parse_auto_form(html: str) -> FormPost:
    """The action and fields of the first form on ``html`` (to follow it without a browser)."""
    parser = _FormParser()
    parser.feed(html)
    if parser.action is None:
        raise ValueError("no form on the page")
    return FormPost(action=parser.action, fields=parser.fields)
