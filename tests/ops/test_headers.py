"""Security headers: Cache-Control on customer data, the Content-Security-Policy, no server
software version (the CSP in a real browser: tests/browser/test_csp.py)."""

import pytest

from tests.factories import make_account
from tests.faults.processes import production_env


@pytest.fixture
def signed_in(client, vera):
    client.force_login(vera)
    return client


def _no_store(response):
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    return {"private", "no-store"} <= directives


def test_account_page_is_private_and_never_stored(signed_in, vera):
    account = make_account(csm=vera)
    assert _no_store(signed_in.get(f"/accounts/{account.pk}/"))


def test_book_csv_export_is_private_and_never_stored(signed_in):
    response = signed_in.get("/?format=csv")
    assert response.status_code == 200
    assert _no_store(response)


def test_api_answers_are_private_and_never_stored(signed_in):
    assert _no_store(signed_in.get("/api/v1/accounts/"))


def test_plotly_js_keeps_its_year_long_private_cache(signed_in):
    response = signed_in.get("/assets/plotly.js")
    assert "max-age=31536000" in response["Cache-Control"]
    assert "no-store" not in response["Cache-Control"]


def test_pages_carry_a_csp_that_allows_only_own_and_nonced_scripts(signed_in):
    response = signed_in.get("/")
    policy = response["Content-Security-Policy"]
    script_src = next(d for d in policy.split(";") if d.strip().startswith("script-src"))
    assert "'self'" in script_src and "'nonce-" in script_src
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy


def test_inline_scripts_carry_the_request_nonce(signed_in):
    response = signed_in.get("/")
    policy = response["Content-Security-Policy"]
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert f'<script nonce="{nonce}">' in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_gunicorn_names_no_server_software_version(start_gunicorn):
    import urllib.request

    env = production_env("")
    env.pop("REDIS_URL")
    server = start_gunicorn(env, workers=1)
    with urllib.request.urlopen(f"{server.url}/healthz", timeout=20) as answer:
        assert answer.headers["Server"] == "Candor"
