"""``GET /lti/config.json``: the JSON a Canvas administrator pastes into a developer key."""

from __future__ import annotations

from lti.tool_profile import AGS_SCOPES, NRPS_SCOPE

TOOL = "http://localhost"


def config(client):
    """The served configuration."""
    answer = client.get("/lti/config.json")
    assert answer.status_code == 200
    assert answer.mimetype == "application/json"
    return answer.get_json()


def test_the_developer_key_json_names_the_tools_urls(client):
    key = config(client)

    assert key["title"] and key["description"]
    assert key["oidc_initiation_url"] == f"{TOOL}/lti/login"
    assert key["target_link_uri"] == f"{TOOL}/lti/launch"
    assert key["public_jwk_url"] == f"{TOOL}/lti/jwks.json"


def test_it_asks_for_grades_and_rosters(client):
    assert set(config(client)["scopes"]) == {*AGS_SCOPES, NRPS_SCOPE}


def test_it_places_deep_linking_and_the_trainer_view_with_names_shared(client):
    (extension,) = config(client)["extensions"]

    assert extension["platform"] == "canvas.instructure.com"
    assert extension["privacy_level"] == "public"
    assert extension["domain"] == "localhost"
    placements = {p["placement"]: p for p in extension["settings"]["placements"]}
    assert set(placements) == {"link_selection", "assignment_selection", "course_navigation"}
    for name in ("link_selection", "assignment_selection"):
        assert placements[name]["message_type"] == "LtiDeepLinkingRequest"
        assert placements[name]["target_link_uri"] == f"{TOOL}/lti/launch"
    trainer = placements["course_navigation"]
    assert trainer["message_type"] == "LtiResourceLinkRequest"
    assert trainer["visibility"] == "admins"


def test_the_urls_follow_the_configured_base_url(app_config, connection):
    from curriculum.app import create_app

    other = create_app({**app_config, "BASE_URL": "https://curriculum.example.org/",
                        "SERVER_NAME": "curriculum.example.org"})
    other.extensions["database"].bind_to(connection)
    key = config(other.test_client())

    assert key["oidc_initiation_url"] == "https://curriculum.example.org/lti/login"
    assert key["extensions"][0]["domain"] == "curriculum.example.org"
    other.extensions["database"].engine.dispose()


def test_it_may_be_cached_briefly(client):
    assert client.get("/lti/config.json").headers["Cache-Control"] == "public, max-age=300"
