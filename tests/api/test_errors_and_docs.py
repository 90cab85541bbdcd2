from django.core.cache import cache
from rest_framework.test import APIClient

from tests.api.conftest import client_for


def test_schema_is_openapi_and_documents_json_errors(as_vera):
    response = as_vera.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    ingest = schema["paths"]["/api/v1/signals/"]["post"]["responses"]
    assert {"201", "400", "401", "429"} <= set(ingest)


def test_docs_page_is_served_to_a_signed_in_person(client, vera):
    client.force_login(vera)
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()
    assert b"cdn." not in response.content, "Swagger UI comes from our own static files"


def test_docs_page_sends_anonymous_visitors_to_sign_in(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/api/v1/docs/"


def test_schema_needs_a_token_or_a_session(db):
    response = APIClient().get("/api/v1/schema/")
    assert response.status_code == 401


def test_write_to_unknown_api_path_is_json_404_not_a_csrf_page(vera):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(vera)
    response = client.put("/api/v1/stakeholders/1.5/", {"name": "x"}, format="json")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")


def test_throttled_reply_is_json_429(alice, settings):
    cache.clear()
    rest = {**settings.REST_FRAMEWORK}
    rest["DEFAULT_THROTTLE_RATES"] = {"user": "2/min"}
    settings.REST_FRAMEWORK = rest
    from rest_framework.throttling import UserRateThrottle

    original = UserRateThrottle.THROTTLE_RATES
    UserRateThrottle.THROTTLE_RATES = rest["DEFAULT_THROTTLE_RATES"]
    try:
        client = client_for(alice)
        statuses = [client.get("/api/v1/accounts/").status_code for _ in range(3)]
        response = client.get("/api/v1/accounts/")
    finally:
        UserRateThrottle.THROTTLE_RATES = original
        cache.clear()
    assert statuses[:2] == [200, 200]
    assert response.status_code == 429
    assert "detail" in response.json()


def test_signals_reject_form_encoded_bodies_with_json_415(as_alice):
    response = as_alice.post("/api/v1/signals/", {"kind": "login"}, format="multipart")
    assert response.status_code == 415
    assert "detail" in response.json()
