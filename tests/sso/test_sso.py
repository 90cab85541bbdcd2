"""Single sign-on pieces without a browser: groups to roles, the sign-in page, PASSWORD_LOGIN,
the settings it needs, the refused page (end to end: tests/browser/test_sso.py)."""

import logging
import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory

from sso.backends import REFUSAL_KEY, CandorOIDCBackend
from sso.roles import role_for, role_groups
from tests.conftest import PASSWORD

SPEC = "vp=cs-leaders,csm=cs-team,team_lead=cs-leads,admin=it-admins"


def test_groups_map_to_the_roles_candor_has():
    assert role_groups(SPEC) == {"cs-leaders": "vp", "cs-team": "csm", "cs-leads": "team_lead"}


def test_an_unknown_role_is_ignored_with_a_warning(caplog):
    with caplog.at_level(logging.WARNING, logger="sso.roles"):
        role_groups(SPEC)
    assert "'admin'" in caplog.text


def test_a_malformed_mapping_is_an_error():
    with pytest.raises(ValueError, match="role=group"):
        role_groups("vp")


@pytest.mark.parametrize(
    ("groups", "role"),
    [(["cs-team", "cs-leaders"], "vp"), (["cs-team"], "csm"), (["cs-leads", "cs-team"], "team_lead"), (["it-admins"], None),
     ([], None), ("cs-team", "csm")],
)  # fmt: skip
def test_the_strongest_mapped_role_wins(groups, role):
    assert role_for(groups, role_groups(SPEC)) == role


@pytest.fixture
def oidc_on(settings):
    settings.OIDC_ISSUER = "https://idp.example.com"
    settings.OIDC_ROLE_GROUPS = SPEC
    return settings


def _backend_for_request():
    request = RequestFactory().get("/oidc/callback/")
    request.session = SessionStore()
    backend = CandorOIDCBackend.__new__(CandorOIDCBackend)
    backend.request = request
    return backend, request


def test_an_unverified_email_is_refused(oidc_on):
    backend, request = _backend_for_request()
    claims = {"email": "a@example.com", "email_verified": False, "groups": ["cs-team"]}
    assert backend.verify_claims(claims) is False
    assert "verified email" in request.session[REFUSAL_KEY]


def test_groups_with_no_role_are_refused_with_the_reason(oidc_on):
    backend, request = _backend_for_request()
    claims = {"email": "a@example.com", "email_verified": True, "groups": ["marketing"]}
    assert backend.verify_claims(claims) is False
    assert "none of your groups" in request.session[REFUSAL_KEY]


def test_the_groups_claim_is_configurable(oidc_on):
    oidc_on.OIDC_GROUPS_CLAIM = "roles"
    backend, _ = _backend_for_request()
    claims = {"email": "a@example.com", "email_verified": True, "roles": ["cs-team"]}
    assert backend.verify_claims(claims) is True


@pytest.mark.django_db
def test_the_login_page_links_to_single_sign_on(client, oidc_on):
    page = client.get("/login/").content.decode()
    assert 'href="/oidc/authenticate/"' in page and 'name="password"' in page


@pytest.mark.django_db
def test_without_oidc_the_login_page_has_no_sso_link_and_sso_is_404(client):
    assert "/oidc/authenticate/" not in client.get("/login/").content.decode()
    assert client.get("/oidc/authenticate/").status_code == 404


@pytest.mark.django_db
def test_password_login_off_shows_no_password_form_and_refuses_one(client, oidc_on, alice):
    oidc_on.PASSWORD_LOGIN = False
    assert 'name="password"' not in client.get("/login/").content.decode()
    answer = client.post("/login/", {"username": "alice", "password": PASSWORD})
    assert answer.status_code == 403
    assert "Password sign-in is turned off" in answer.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_the_refused_page_says_why(client):
    session = client.session
    session[REFUSAL_KEY] = "none of your groups gives you a role"
    session.save()
    answer = client.get("/oidc/refused/")
    assert answer.status_code == 403 and "none of your groups" in answer.content.decode()


PRINT = [sys.executable, "-c", "import django; django.setup(); from django.conf import settings; "
         "print(' '.join(b.rsplit('.', 1)[1] for b in settings.AUTHENTICATION_BACKENDS))"]  # fmt: skip


def _settings(**env):
    base = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "CANDOR_LOCAL")}
    base.update(DJANGO_SETTINGS_MODULE="candor.settings", DEBUG="1", **env)
    return subprocess.run(PRINT, env=base, capture_output=True, text=True,
                          cwd=django_settings.BASE_DIR)  # fmt: skip


OIDC_ENV = {"OIDC_ISSUER": "https://idp.example.com", "OIDC_CLIENT_ID": "candor",
            "OIDC_CLIENT_SECRET": "s3cret"}  # fmt: skip


def test_password_login_off_leaves_only_single_sign_on():
    result = _settings(PASSWORD_LOGIN="0", **OIDC_ENV)
    assert result.stdout.split() == ["AxesStandaloneBackend", "CandorOIDCBackend"], result.stderr


def test_password_login_off_without_an_issuer_fails_loudly():
    result = _settings(PASSWORD_LOGIN="0")
    assert result.returncode != 0 and "OIDC_ISSUER" in result.stderr


def test_an_issuer_without_its_client_fails_loudly():
    result = _settings(OIDC_ISSUER="https://idp.example.com")
    assert result.returncode != 0 and "OIDC_CLIENT_ID" in result.stderr


@pytest.mark.django_db
def test_each_sign_in_sets_the_role_and_keeps_names_the_provider_leaves_out(oidc_on, alice):
    from django.contrib.auth import get_user_model

    from accounts.selectors import user_is_vp

    alice.first_name = "Alice"
    alice.save()
    backend, _ = _backend_for_request()
    backend.UserModel = get_user_model()
    backend.update_user(alice, {"email": "a@example.com", "groups": ["cs-leaders"],
                                "given_name": None})  # fmt: skip
    fresh = get_user_model().objects.get(pk=alice.pk)
    assert fresh.first_name == "Alice" and user_is_vp(fresh)
