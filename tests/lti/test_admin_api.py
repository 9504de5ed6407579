"""The LTI admin API: partners, platform registrations and their deployments, invitations;
administrators only, errors in the service's one shape."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from curriculum.accounts.models import Role
from lti.models import Registration, RegistrationInvitation
from tests.helpers import ApiClient, error_of
from tests.lti.admin_fixtures import (
    MOODLE_ISSUER,
    count,
    make_partner,
    make_registration,
    moodle_data,
    public_key_set,
    token_for,
)

CANVAS_DEPLOYMENT = "7:d3a2504bba5184799a38f141e8df2335cfa8206d"
ENDPOINTS = [
    ("GET", "/partners"), ("POST", "/partners"), ("GET", "/partners/ksg"),
    ("GET", "/partners/ksg/invitations"), ("POST", "/partners/ksg/invitations"),
    ("GET", "/platforms"), ("POST", "/platforms"), ("GET", "/platforms/1"),
    ("POST", "/platforms/1/activate"), ("POST", "/platforms/1/deactivate"),
    ("POST", "/platforms/1/deployments"), ("POST", "/platforms/1/deployments/1/activate"),
    ("POST", "/platforms/1/deployments/1/deactivate"),
]


@pytest.fixture
def admin(client: FlaskClient, session: Session) -> ApiClient:
    """An API client acting as an administrator."""
    return ApiClient(client, token_for(session, Role.ADMIN))


@pytest.fixture
def partner(session: Session):
    """A partner with the slug ``ksg``."""
    return make_partner(session, slug="ksg")


def registration_body(**overrides):
    """A valid ``POST /platforms`` body."""
    return {"partner": "ksg", **moodle_data(), **overrides}


# Who may ------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_without_a_token_every_endpoint_answers_401(anonymous, method, path):
    answer = anonymous.request(method, path, json={})

    assert answer.status_code == 401
    assert error_of(answer)["code"] == "unauthorized"


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
@pytest.mark.parametrize("role", [Role.EDITOR, Role.PUBLISHER])
def test_editors_and_publishers_get_403(client, session, method, path, role):
    caller = ApiClient(client, token_for(session, role))

    answer = caller.request(method, path, json={})

    assert answer.status_code == 403
    assert "admin role" in error_of(answer)["message"]


# Partners -----------------------------------------------------------------------------


def test_an_admin_adds_and_lists_partners(admin):
    added = admin.post("/partners", json={"name": "Kenya School of Government",
                                          "country": "ke", "kind": "national_training_centre",
                                          "migration_dedicated": False})

    assert added.status_code == 201, added.get_json()
    assert added.get_json()["slug"] == "kenya-school-of-government"
    assert added.get_json()["country"] == "KE"
    listed = admin.get("/partners").get_json()
    assert [p["name"] for p in listed] == ["Kenya School of Government"]
    assert admin.get("/partners/kenya-school-of-government").status_code == 200


def test_a_partner_name_or_slug_is_not_added_twice(admin, partner):
    for body in ({"name": partner.name}, {"name": "Other", "slug": "ksg"}):
        answer = admin.post("/partners", json=body)
        assert answer.status_code == 409
        assert error_of(answer)["code"] == "conflict"


@pytest.mark.parametrize(("body", "field"), [
    ({}, "name"),
    ({"name": "X", "country": "Kenya"}, "country"),
    ({"name": "X", "kind": "company"}, "kind"),
    ({"name": "X", "slug": "Not A Slug"}, "slug"),
])
def test_a_bad_partner_is_refused_field_by_field(admin, body, field):
    answer = admin.post("/partners", json=body)

    assert answer.status_code == 422
    assert field in error_of(answer)["details"]


def test_an_unknown_partner_is_404(admin):
    assert error_of(admin.get("/partners/nobody"))["code"] == "not_found"


# Registrations --------------------------------------------------------------------------


def test_an_admin_registers_a_platform_and_reads_it_back(admin, partner, session):
    answer = admin.post("/platforms", json=registration_body(deployment_ids=["1", "1", "2"]))

    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["partner"] == "ksg"
    assert body["issuer"] == MOODLE_ISSUER
    assert body["active"] is True and body["key_set"] is None
    assert [(d["deployment_id"], d["active"]) for d in body["deployments"]] == [
        ("1", True), ("2", True)]
    assert admin.get(f"/platforms/{body['id']}").get_json() == body
    assert [r["id"] for r in admin.get("/platforms").get_json()] == [body["id"]]


def test_a_platform_without_a_key_set_url_gives_its_key_set(admin, partner):
    key_set = public_key_set()
    answer = admin.post("/platforms", json=registration_body(key_set_url=None,
                                                             key_set=key_set))

    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["key_set"] == key_set


@pytest.mark.parametrize(("overrides", "field"), [
    ({"issuer": "learn.example.org"}, "issuer"),
    ({"issuer": "https://learn.example.org#x"}, "issuer"),
    ({"client_id": ""}, "client_id"),
    ({"auth_login_url": "javascript:alert(1)"}, "auth_login_url"),
    ({"key_set_url": None}, "key_set_url"),
    ({"key_set": {"keys": []}}, "key_set"),
    ({"product_family": "blackboard"}, "product_family"),
    ({"deployment_ids": ["x" * 256]}, "deployment_ids"),
])
def test_a_bad_registration_is_refused_and_stores_nothing(admin, partner, session, overrides,
                                                          field):
    answer = admin.post("/platforms", json=registration_body(**overrides))

    assert answer.status_code == 422
    assert field in error_of(answer)["details"]
    assert count(session, Registration) == 0


def test_a_registration_for_an_unknown_partner_is_404(admin):
    answer = admin.post("/platforms", json=registration_body(partner="nobody"))

    assert answer.status_code == 404


def test_an_issuer_and_client_id_are_registered_once(admin, partner):
    assert admin.post("/platforms", json=registration_body()).status_code == 201

    answer = admin.post("/platforms", json=registration_body(issuer=MOODLE_ISSUER + "/"))

    assert answer.status_code == 409 and "registered already" in error_of(answer)["message"]


def test_an_unknown_registration_is_404(admin):
    assert admin.get("/platforms/999").status_code == 404


def test_a_registration_is_switched_off_and_on(admin, partner, session):
    registration = make_registration(session, partner)

    off = admin.post(f"/platforms/{registration.id}/deactivate")
    assert off.status_code == 200 and off.get_json()["active"] is False
    on = admin.post(f"/platforms/{registration.id}/activate")
    assert on.status_code == 200 and on.get_json()["active"] is True


def test_deployments_are_added_and_switched(admin, partner, session):
    registration = make_registration(session, partner)
    base = f"/platforms/{registration.id}/deployments"

    added = admin.post(base, json={"deployment_id": CANVAS_DEPLOYMENT})
    assert added.status_code == 201
    assert added.get_json() | {"created_at": None} == {
        "deployment_id": CANVAS_DEPLOYMENT, "active": True, "created_at": None}
    off = admin.post(f"{base}/{CANVAS_DEPLOYMENT}/deactivate")
    assert off.status_code == 200 and off.get_json()["active"] is False
    states = {d["deployment_id"]: d["active"]
              for d in admin.get(f"/platforms/{registration.id}").get_json()["deployments"]}
    assert states == {"1": True, CANVAS_DEPLOYMENT: False}
    assert admin.post(f"{base}/{CANVAS_DEPLOYMENT}/activate").get_json()["active"] is True
    missing = admin.post(f"{base}/nope/activate")
    assert missing.status_code == 404 and error_of(missing)["code"] == "not_found"
    assert admin.post(base, json={"deployment_id": " "}).status_code == 422


# Invitations ----------------------------------------------------------------------------


def test_an_invitation_url_is_answered_once(admin, partner, session, client):
    made = admin.post("/partners/ksg/invitations", json={"expires_in_days": 2})

    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["url"].startswith("http://localhost/lti/register?invitation=reg_")
    assert body["state"] == "open" and body["partner"] == "ksg"
    listed = admin.get("/partners/ksg/invitations").get_json()
    assert [i["id"] for i in listed] == [body["id"]]
    assert "url" not in listed[0]
    assert client.get(body["url"]).status_code == 200


def test_an_invitation_lasts_one_to_ninety_days(admin, partner, session):
    for days in (0, 91, "7"):
        answer = admin.post("/partners/ksg/invitations", json={"expires_in_days": days})
        assert answer.status_code == 422
        assert "expires_in_days" in error_of(answer)["details"]
    assert admin.post("/partners/ksg/invitations", json={}).status_code == 201
    assert count(session, RegistrationInvitation) == 1


def test_the_admin_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]

    assert "/api/v1/platforms/{registration_id}/deployments" in paths
    assert "/api/v1/partners/{slug}/invitations" in paths
