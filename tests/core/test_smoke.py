from tests.helpers import module_data


def test_health(client):
    assert client.get("/healthz").get_json() == {"status": "ok", "database": "ok"}


def test_create_and_read_module(api, anonymous):
    created = api.post("/modules", module_data())
    assert created.status_code == 201, created.get_json()
    slug = created.get_json()["slug"]
    assert anonymous.get(f"/modules/{slug}").get_json()["title"].startswith("Introduction")
