"""An unexpected error answers with Candor's styled 500 page, not Django's bare one."""

import pytest
from django.test import Client, RequestFactory

from candor.exceptions import api_server_error

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.dashboard.server_error_urls")]


@pytest.fixture
def failing_client(settings):
    settings.DEBUG = False
    return Client(raise_request_exception=False)


def test_an_unexpected_error_shows_the_styled_page_with_debug_off(failing_client, vera):
    failing_client.force_login(vera)
    response = failing_client.get("/broken/")
    page = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in page
    assert "candor.css" in page and 'class="topbar"' in page


def test_an_api_error_stays_json():
    response = api_server_error(RequestFactory().get("/api/v1/anything/"))
    assert response.status_code == 500 and response["Content-Type"] == "application/json"
