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


def test_check_deploy_is_clean_with_sso_sentry_and_json_logs():
    import os
    import secrets
    import subprocess
    import sys

    from django.conf import settings

    drop = {"DEBUG", "SECRET_KEY", "CANDOR_LOCAL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(
        DJANGO_SETTINGS_MODULE="candor.settings", SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="candor.example.com", OIDC_ISSUER="https://idp.example.com",
        OIDC_CLIENT_ID="candor", OIDC_CLIENT_SECRET="s3cret", OIDC_ROLE_GROUPS="vp=leaders",
        PASSWORD_LOGIN="0", SENTRY_DSN="https://public@sentry.example.com/1", LOG_FORMAT="json",
    )  # fmt: skip
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env, capture_output=True, text=True, cwd=settings.BASE_DIR,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
