"""The Content-Security-Policy in a real browser: every page, Swagger UI and the plotly charts
work under it, and the browser reports no violation."""

import pytest

from accounts.models import Account
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI);
});
"""


@pytest.fixture
def watched(page):
    """The page, recording every CSP violation (the event and the console's report)."""
    page.add_init_script(WATCH)
    page.console_reports = []
    page.on(
        "console",
        lambda msg: "Content Security Policy" in msg.text and page.console_reports.append(msg.text),
    )
    return page


def violations(page) -> list:
    return page.evaluate("window.__cspViolations") + page.console_reports


def visit(page, url, ready):
    page.goto(url)
    page.wait_for_selector(ready)
    page.wait_for_load_state("networkidle")
    return violations(page)


def test_vp_pages_run_under_the_csp_without_a_violation(watched, live_server, portfolio):
    log_in(watched, live_server, "rachel")
    account = Account.objects.filter(current_health__isnull=False).first()
    pages = {
        "/": "table.book",
        "/portfolio/": "figure.chart svg.main-svg",
        f"/accounts/{account.pk}/": "#history-chart svg.main-svg",
        "/imports/": "main form",
        "/keys/": "main h1",
        "/audit/": "main h1",
        "/sales/": "main h1",
        "/terms/": "[data-structures]",
    }
    for path, ready in pages.items():
        assert visit(watched, live_server.url + path, ready) == [], path


def test_swagger_ui_runs_under_the_csp(watched, live_server, portfolio):
    log_in(watched, live_server, "rachel")
    assert visit(watched, f"{live_server.url}/api/v1/docs/", ".swagger-ui .opblock") == []


def test_login_and_admin_run_under_the_csp(watched, live_server, portfolio):
    assert visit(watched, f"{live_server.url}/login/", "form") == []
    log_in(watched, live_server, "admin")
    assert visit(watched, f"{live_server.url}/admin/", "#content") == []
    assert visit(watched, f"{live_server.url}/admin/accounts/account/", "#result_list") == []
