"""The 404 and 403 pages a newcomer meets on `make run`: the server is started by `make serve`,
the very command `make run` ends with, so it runs under the Makefile's local profile (DEBUG off,
CANDOR_LOCAL=1) and Candor's own settings module, on the test database."""

import os
import shutil

import pytest

from accounts.services import user_create_with_role
from tests.browser.conftest import log_in
from tests.factories import make_account
from tests.faults.processes import (
    Process,
    database_url_of_tests,
    free_port,
    port_answers,
    wait_for,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("make") is None, reason="needs make"),
]

# What a developer's shell would not carry into `make run`: the suite's own settings.
SUITE_ONLY = {"DEBUG", "SECRET_KEY", "CANDOR_LOCAL", "DJANGO_SETTINGS_MODULE", "DATABASE_URL",
              "DJANGO_ALLOW_ASYNC_UNSAFE", "ALLOWED_HOSTS"}  # fmt: skip


class MakeServe(Process):
    def __init__(self, tmp_path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if k not in SUITE_ONLY}
        env.update(DATABASE_URL=database_url_of_tests(), HOST="127.0.0.1", PORT=str(self.port))
        args = ["make", "--no-print-directory", "-s", "serve"]
        super().__init__(args, env, tmp_path / "make-serve.log")
        assert wait_for(self.answers, 60), self.output()

    def answers(self) -> bool:
        return port_answers(self.port)


@pytest.fixture
def make_serve(tmp_path):
    server = MakeServe(tmp_path)
    yield server
    server.stop()


@pytest.fixture
def people(transactional_db):
    maya = user_create_with_role(username="maya", role="csm", password="candor-demo")
    user_create_with_role(username="rachel", role="vp", password="candor-demo")
    return make_account(csm=maya)


def static_failures(page) -> list[str]:
    failed = []
    page.on(
        "response", lambda r: failed.append(r.url) if "/static/" in r.url and not r.ok else None
    )
    return failed


def test_a_missing_account_on_make_run_is_the_styled_404_leading_back_to_the_book(
    page, make_serve, people
):
    failed = static_failures(page)
    log_in(page, make_serve, "maya")
    response = page.goto(f"{make_serve.url}/accounts/{people.pk + 1000}/")
    assert response.status == 404
    assert page.get_by_role("heading", name="Nothing here").is_visible()
    assert "URLconf" not in page.content(), "Django's technical 404 page"
    assert page.locator("header nav").is_visible() and failed == []
    page.get_by_role("link", name="Back to your book").click()
    page.wait_for_url(f"{make_serve.url}/")


def test_a_vp_only_page_on_make_run_is_the_styled_403_for_a_csm(page, make_serve, people):
    failed = static_failures(page)
    log_in(page, make_serve, "maya")
    response = page.goto(f"{make_serve.url}/portfolio/")
    assert response.status == 403
    assert page.get_by_role("heading", name="Not for you, this one").is_visible()
    assert "The portfolio is for VPs" in page.inner_text("main")
    assert failed == []
