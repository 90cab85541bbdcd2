"""Single sign-on end to end in headless Chromium against a real OpenID Connect provider
(panva/node-oidc-provider, run with the machine's Node.js on 127.0.0.1): a person whose groups
make them a VP, one who becomes a CSM, and one refused."""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from accounts.selectors import user_is_vp
from sso import provider as sso_provider
from tests.faults.processes import free_port, port_answers, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PROVIDER = Path(__file__).parent.parent / "sso" / "provider"
NODE, NPM = shutil.which("node"), shutil.which("npm")
CLIENT_ID, CLIENT_SECRET = "candor", "candor-test-secret"


def _installed():
    """oidc-provider from the npm registry, into the test's own folder (never committed)."""
    if not (PROVIDER / "node_modules" / "oidc-provider").exists():
        subprocess.run([NPM, "ci", "--no-audit", "--no-fund"], cwd=PROVIDER, check=True,
                       capture_output=True, timeout=300)  # fmt: skip


@pytest.fixture(scope="module")
def oidc_provider(live_server, tmp_path_factory):
    if NODE is None or NPM is None:
        pytest.skip("needs Node.js and npm")
    _installed()
    port = free_port()
    log = open(tmp_path_factory.mktemp("oidc") / "provider.log", "w")
    process = subprocess.Popen(
        [NODE, "server.mjs", str(port), f"{live_server.url}/oidc/callback/", CLIENT_ID,
         CLIENT_SECRET], cwd=PROVIDER, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    issuer = f"http://127.0.0.1:{port}"
    assert wait_for(lambda: port_answers(port), 30), "the OIDC provider did not start"
    yield issuer
    process.terminate()
    process.wait(10)
    log.close()


@pytest.fixture
def sso(settings, oidc_provider):
    settings.OIDC_ISSUER = oidc_provider
    settings.OIDC_RP_CLIENT_ID, settings.OIDC_RP_CLIENT_SECRET = CLIENT_ID, CLIENT_SECRET
    settings.OIDC_ROLE_GROUPS = "vp=cs-leaders,csm=cs-team,team_lead=cs-leads"
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS,
                                        "sso.backends.CandorOIDCBackend"]  # fmt: skip
    sso_provider.discovery.cache_clear()
    return oidc_provider


def sign_in_with_sso(page, live_server, login):
    page.goto(f"{live_server.url}/login/")
    page.get_by_role("link", name="Sign in with single sign-on").click()
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("any password")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()


def test_a_person_in_the_leaders_group_signs_in_as_a_vp(page, live_server, sso):
    sign_in_with_sso(page, live_server, "vera.sso")
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("link", name="All accounts").is_visible()
    user = get_user_model().objects.get(email="vera.sso@example.com")
    assert user.username == "vera.sso" and user_is_vp(user)


def test_a_person_in_the_team_group_signs_in_as_a_csm(page, live_server, sso):
    sign_in_with_sso(page, live_server, "carl.sso")
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("link", name="My book").is_visible()
    user = get_user_model().objects.get(email="carl.sso@example.com")
    assert list(user.groups.values_list("name", flat=True)) == ["csm"]


def test_a_person_whose_groups_map_to_no_role_is_refused(page, live_server, sso):
    sign_in_with_sso(page, live_server, "rita.sso")
    page.wait_for_url("**/oidc/refused/")
    assert "none of your groups gives you a role" in page.get_by_role("alert").inner_text()
    assert not get_user_model().objects.filter(email="rita.sso@example.com").exists()


def test_an_existing_person_is_matched_by_email(page, live_server, sso, alice):
    alice.email = "carl.sso@example.com"
    alice.save()
    sign_in_with_sso(page, live_server, "carl.sso")
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("form.logout span").inner_text() == "alice"
