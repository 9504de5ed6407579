"""Certificates of completion: issued once per learner and version, checked by anyone who has
the code, downloaded as one landscape page in the six UN languages."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from curriculum.errors import ValidationFailed
from exports.certificates import issue_certificate
from exports.codes import ALPHABET, MalformedCode, format_code, normalise_code
from exports.models import Certificate
from exports.pdf import renders_done
from packages import services
from packages.models import PackageVersion
from tests.exports.conftest import page_texts, pdf_reader

pytestmark = pytest.mark.usefixtures("demo")

SLUG = "foundations-of-migration-governance"
TITLE = "Core Curriculum: Foundations of Migration Governance"
COMPLETED = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
CODE_SHAPE = re.compile(rf"^[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}$")
TITLES = {"en": "Certificate of completion", "fr": "Certificat d\u2019achèvement",
          "es": "Certificado de finalización", "ar": "شهادة إتمام",
          "ru": "Сертификат об окончании", "zh": "结业证书"}  # noqa: RUF001


def version_of(session: Session, slug: str = SLUG, number: int | None = None) -> PackageVersion:
    """A published version (the newest by default)."""
    package = services.get_package(session, slug)
    return services.get_version(session, package, number or package.latest_version_number or 0)


def issue(session: Session, *, holder: str = "moodle-1:u42", name: str = "Amina Diallo",
          version: PackageVersion | None = None, lang: str = "en") -> Certificate:
    """Issue a certificate as the completions service will, and commit it."""
    certificate = issue_certificate(session, holder_key=holder, learner_name=name,
                                    package_version=version or version_of(session),
                                    completed_at=COMPLETED, lang=lang)
    session.commit()
    return certificate


def certificate_pdf(client: FlaskClient, certificate: Certificate) -> bytes:
    """The downloaded PDF (kept in CERTIFICATE_PDF_DIR to look at while developing)."""
    response = client.get(f"/certificates/{format_code(certificate.code)}.pdf")
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "application/pdf"
    if folder := os.environ.get("CERTIFICATE_PDF_DIR"):
        Path(folder, f"certificate-{certificate.lang}.pdf").write_bytes(response.data)
    return response.data


def certificate_count(session: Session) -> int:
    """How many certificates are stored."""
    return session.scalar(select(func.count()).select_from(Certificate))


# Issuing

def test_a_certificate_gets_a_random_code_in_three_groups_of_four(session: Session):
    first, second = issue(session), issue(session, holder="moodle-1:u43")
    assert CODE_SHAPE.match(format_code(first.code))
    assert first.code != second.code
    assert first.learner_name == "Amina Diallo"
    assert first.package_version.snapshot["title"] == TITLE
    assert [agency["code"] for agency in first.agencies] == ["IOM", "UNITAR"]
    assert first.completed_at == COMPLETED


def test_issuing_again_for_the_same_holder_and_version_returns_the_first_certificate(
        session: Session):
    first = issue(session)
    again = issue(session, name="A. Diallo")
    assert again.id == first.id and again.code == first.code
    assert again.learner_name == "Amina Diallo"  # what was certified does not change
    assert certificate_count(session) == 1


def test_another_version_or_another_holder_gets_its_own_certificate(session: Session):
    first = issue(session)
    other_version = issue(session, version=version_of(session, number=1))
    other_holder = issue(session, holder="canvas-2:u42")
    assert len({first.code, other_version.code, other_holder.code}) == 3
    assert certificate_count(session) == 3


def test_the_name_is_kept_exactly_as_the_lms_sent_it(session: Session):
    name = "  Zoë  O\u2019Brien-Núñez 李小龍 محمد  "
    assert issue(session, name=name).learner_name == name


@pytest.mark.parametrize(("name", "words"), [
    ("   ", "empty"), ("x" * 301, "longer than 300"), ("Amina\x00Diallo", "control characters"),
])
def test_a_name_that_cannot_be_printed_is_refused(session: Session, name: str, words: str):
    with pytest.raises(ValidationFailed, match=words):
        issue(session, name=name)
    assert certificate_count(session) == 0


def test_a_certificate_in_an_unknown_language_is_refused(session: Session):
    with pytest.raises(ValidationFailed, match="There is no certificate in 'xx'"):
        issue(session, lang="xx")


# Codes

@pytest.mark.parametrize("typed", [
    "K7QM-4XPT-9HDR", "k7qm-4xpt-9hdr", "K7QM4XPT9HDR", " k7qm 4xpt 9hdr ",
    "K7QM\u20134XPT\u20139HDR",
])
def test_codes_are_read_in_any_case_with_or_without_dashes_and_spaces(typed: str):
    assert normalise_code(typed) == "K7QM4XPT9HDR"


@pytest.mark.parametrize(("typed", "words"), [
    ("K7QM-4XPT", "has 8 letters and digits"),
    ("K7QM-4XPT-9HD0", "never contain '0'"),
    ("<script>alert(1)</script>", "letters and digits"),
    ("A" * 200, "200 characters long"),
])
def test_what_cannot_be_a_code_is_refused_with_the_reason(typed: str, words: str):
    with pytest.raises(MalformedCode, match=re.escape(words)):
        normalise_code(typed)


# The public page

def test_the_verification_page_confirms_name_package_version_date_and_agencies(
        client: FlaskClient, session: Session):
    certificate = issue(session)
    response = client.get(f"/certificates/{format_code(certificate.code)}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Certificate of completion: valid" in page
    assert "Amina Diallo" in page and TITLE in page
    assert "<dd>2, published" in page and "20 November 2026" in page
    assert "International Organization for Migration (IOM)" in page
    assert "United Nations Institute for Training and Research (UNITAR)" in page
    assert f'href="/certificates/{format_code(certificate.code)}.pdf"' in page
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert response.headers["Cache-Control"].startswith("private")


def test_a_code_typed_loosely_leads_to_the_certificates_one_address(
        client: FlaskClient, session: Session):
    certificate = issue(session)
    loose = format_code(certificate.code).lower().replace("-", "")
    response = client.get(f"/certificates/{loose}")
    assert response.status_code == 301
    assert response.headers["Location"].endswith(f"/certificates/{format_code(certificate.code)}")
    assert client.get(f"/certificates/{loose}", follow_redirects=True).status_code == 200


def test_the_lookup_form_takes_a_typed_code_to_the_certificate(
        client: FlaskClient, session: Session):
    certificate = issue(session)
    form = client.get("/certificates")
    assert form.status_code == 200
    assert '<label for="certificate-code">Verification code</label>' in form.get_data(as_text=True)
    assert "Amina Diallo" not in form.get_data(as_text=True)  # no list of certificates
    typed = " " + format_code(certificate.code).lower().replace("-", " ") + " "
    response = client.get("/certificates", query_string={"code": typed})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/certificates/{format_code(certificate.code)}")


def test_an_unknown_code_answers_404_saying_no_certificate_has_it(
        client: FlaskClient, session: Session):
    issue(session)
    response = client.get("/certificates/K7QM-4XPT-9HDR")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "No certificate has this code" in page
    assert "No certificate has the code K7QM-4XPT-9HDR" in page
    assert 'name="code"' in page  # and offers to type it again
    assert client.get("/certificates/K7QM-4XPT-9HDR.pdf").status_code == 404
    as_json = client.get("/certificates/K7QM-4XPT-9HDR", headers={"Accept": "application/json"})
    assert as_json.status_code == 404 and as_json.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("code", [
    "K7QM-4XPT-9HD%C3%98", "%3Cb%3Ehello%3C%5Cb%3E", "A" * 200, "short", "K7QM-4XPT-9HDR-XX",
])
def test_a_malformed_code_answers_400_with_what_a_code_looks_like(client: FlaskClient,
                                                                 code: str):
    for url in (f"/certificates/{code}", f"/certificates/{code}.pdf",
                f"/certificates?code={code}"):
        response = client.get(url)
        assert response.status_code == 400, url
        page = response.get_data(as_text=True)
        assert "That is not a verification code" in page
        assert "12 letters and digits, like K7QM-4XPT-9HDR" in page
        assert "<b>hello" not in page


def test_there_is_no_public_list_of_certificates(client: FlaskClient, session: Session):
    issue(session)
    assert "Amina" not in client.get("/certificates").get_data(as_text=True)
    assert "Amina" not in client.get("/certificates/").get_data(as_text=True)
    assert client.get("/api/v1/certificates").status_code == 404


# The PDF

def test_the_pdf_is_one_landscape_page_with_the_facts_the_code_and_where_to_check_it(
        client: FlaskClient, session: Session):
    certificate = issue(session)
    reader = pdf_reader(certificate_pdf(client, certificate))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height)  # landscape A4: 842 x 595 points
    assert round(float(box.width)) == 842 and round(float(box.height)) == 595
    text = page_texts(reader)[0]
    assert "CERTIFICATE OF COMPLETION" in text  # set in capitals
    for words in ("Amina Diallo", TITLE, "Version 2",
                  "Completed on 20 November 2026", "International Organization for Migration",
                  "United Nations Institute for Training and Research",
                  format_code(certificate.code),
                  f"http://localhost/certificates/{format_code(certificate.code)}"):
        assert words in text, words
    assert reader.metadata.title == f"Certificate of completion: {TITLE}"
    assert "International Organization for Migration" in reader.metadata.author


def test_the_pdf_is_rendered_once_then_kept(client: FlaskClient, session: Session):
    certificate = issue(session)
    first = client.get(f"/certificates/{format_code(certificate.code)}.pdf")
    renders = renders_done()
    second = client.get(f"/certificates/{format_code(certificate.code)}.pdf")
    assert renders_done() == renders and second.data == first.data
    etag = second.headers["ETag"]
    again = client.get(f"/certificates/{format_code(certificate.code)}.pdf",
                       headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert second.headers["Content-Disposition"] == (
        f'inline; filename="certificate-{format_code(certificate.code)}.pdf"')


def test_an_arabic_name_comes_out_in_logical_order(client: FlaskClient, session: Session):
    name = "فاطمة الزهراء بن علي"
    text = page_texts(pdf_reader(certificate_pdf(client, issue(session, name=name))))[0]
    assert name in text and name[::-1] not in text


def test_a_long_name_in_another_script_stays_on_the_one_page(client: FlaskClient,
                                                            session: Session):
    name = "Nguyễn Thị Minh Khai-Αλεξάνδρα Παπαδοπούλου " * 4
    reader = pdf_reader(certificate_pdf(client, issue(session, name=name.strip())))
    assert len(reader.pages) == 1
    assert "Nguyễn Thị Minh Khai" in page_texts(reader)[0]


@pytest.mark.parametrize("lang", list(TITLES))
def test_the_certificate_renders_in_each_language(client: FlaskClient, session: Session,
                                                  lang: str):
    certificate = issue(session, lang=lang, name="Amina Diallo")
    reader = pdf_reader(certificate_pdf(client, certificate))
    text = page_texts(reader)[0]
    assert len(reader.pages) == 1
    # Set in spaced capitals: compare letters only.
    assert TITLES[lang].upper().replace(" ", "") in text.upper().replace(" ", "")
    assert "Amina Diallo" in text and format_code(certificate.code) in text
    assert reader.trailer["/Root"]["/Lang"] == lang
    assert "□" not in text and "\ufffd" not in text


def test_the_arabic_certificate_runs_right_to_left(app, session: Session):
    from exports.certificates import certificate_html

    certificate = issue(session, lang="ar")
    with app.app_context():
        html = certificate_html(certificate, "http://localhost")
    assert '<html lang="ar" dir="rtl">' in html
    assert f'<p class="package" lang="en" dir="ltr">{TITLE}</p>' in html
    assert '<p class="name name-l" dir="auto">Amina Diallo</p>' in html


def test_the_chinese_certificate_embeds_a_cjk_font(client: FlaskClient, session: Session):
    reader = pdf_reader(certificate_pdf(client, issue(session, lang="zh")))
    assert "兹证明" in page_texts(reader)[0]
    fonts = reader.pages[0]["/Resources"]["/Font"]
    names = {str(font.get_object()["/BaseFont"]).replace("-", "") for font in fonts.values()}
    assert any("NotoSansCJK" in name or "NotoSerifCJK" in name for name in names)
    for font in fonts.values():
        descriptor = font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
        assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))


# The command line

def test_the_cli_verifies_a_code(runner: FlaskCliRunner, session: Session):
    certificate = issue(session)
    result = runner.invoke(args=["certificate", "verify", certificate.code.lower()])
    assert result.exit_code == 0, result.output
    assert f"Valid certificate {format_code(certificate.code)}" in result.output
    assert "awarded to:   Amina Diallo" in result.output and TITLE in result.output
    unknown = runner.invoke(args=["certificate", "verify", "K7QM-4XPT-9HDR"])
    assert unknown.exit_code != 0 and "No certificate has the code" in unknown.output
    junk = runner.invoke(args=["certificate", "verify", "hello"])
    assert junk.exit_code != 0 and "12 letters and digits" in junk.output


def test_the_cli_issues_a_certificate_once_and_writes_its_pdf(runner: FlaskCliRunner,
                                                             session: Session, tmp_path):
    args = ["certificate", "issue", "--holder", "manual:7", "--name", "Carlos Mendes",
            "--package", SLUG, "--completed", "2026-11-02", "--lang", "es"]
    first = runner.invoke(args=args)
    assert first.exit_code == 0, first.output
    assert runner.invoke(args=args).output == first.output
    code = first.output.split()[1].rstrip(":")
    target = tmp_path / "certificate.pdf"
    result = runner.invoke(args=["certificate", "pdf", code, "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert "Carlos Mendes" in page_texts(pdf_reader(target.read_bytes()))[0]
