"""The HTTP surface: health, the error shape, the OpenAPI document and its docs page."""

from tests.helpers import error_of


def test_health_reports_an_unreachable_database_with_503(app_config):
    from curriculum.app import create_app

    app = create_app({**app_config,
                      "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def test_an_unknown_api_path_answers_the_json_error_shape(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_a_wrong_method_answers_405_with_the_allowed_methods(client):
    response = client.delete("/api/v1/modules")
    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]


def test_an_unexpected_error_is_a_500_in_the_json_shape_without_a_trace(app, caplog):
    @app.get("/api/v1/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/api/v1/boom")
    assert response.status_code == 500
    error = error_of(response)
    assert error["code"] == "internal_error"
    assert "secret internals" not in response.get_data(as_text=True)


def test_an_html_page_error_is_a_page(client):
    response = client.get("/catalogue/packages/none-such", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "No package has the slug" in response.get_data(as_text=True)


def test_the_openapi_document_describes_every_resource(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    for path in ("/api/v1/modules", "/api/v1/modules/{slug}", "/api/v1/modules/import",
                 "/api/v1/agencies", "/api/v1/themes", "/api/v1/packages",
                 "/api/v1/packages/{slug}/publish", "/api/v1/packages/{slug}/versions",
                 "/api/v1/packages/{slug}/versions/{number}",
                 "/api/v1/packages/{slug}/versions/{old}/diff/{new}", "/api/v1/tracks"):
        assert path in paths, path
    assert "bearerAuth" in spec["components"]["securitySchemes"]
    assert spec["components"]["schemas"]["Error"]["properties"]["error"]


def test_the_interactive_docs_load_only_local_assets(client):
    page = client.get("/api/v1/docs").get_data(as_text=True)
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in page
    assert "//cdn" not in page
    asset = client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js")
    assert asset.status_code == 200
    asset.close()


def test_the_api_root_says_where_everything_is(client):
    index = client.get("/api/v1/").get_json()
    assert index["openapi"] == "/api/v1/openapi.json"
    assert index["documentation"] == "/api/v1/docs"
    assert index["resources"]["packages"] == "/api/v1/packages"
