"""The newcomer's walkthrough, in a real browser: what the screens show after the fixes."""

import pytest

from accounts.models import Account, Decision, Note
from candor.celery import app as celery_app
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def scrolls_sideways(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


def in_view(page, locator) -> bool:
    box = locator.bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + min(box["height"], 40) <= height


def an_account_of(username: str) -> Account:
    return Account.objects.filter(csm__username=username).exclude(outcome="churned").first()


def test_the_book_on_a_phone_is_a_card_per_account_without_sideways_scroll(
    page, live_server, portfolio
):
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "rachel")
    assert not scrolls_sideways(page)
    first = page.locator("table.book tbody tr").first
    assert first.evaluate("row => getComputedStyle(row).display") == "grid"
    assert first.locator("td[data-label='Score']").is_visible()
    assert page.locator("table.book thead").bounding_box()["height"] <= 1
    page.screenshot(path="/tmp/candor-15-book-phone.png", full_page=True)


def test_the_account_chart_fits_a_phone(page, live_server, portfolio):
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "rachel")
    page.goto(f"{live_server.url}{an_account_of('maya').get_absolute_url()}")
    page.wait_for_selector("#history-chart svg.main-svg")
    width = page.locator("#history-chart svg.main-svg").first.bounding_box()["width"]
    assert width <= PHONE["width"]
    assert not scrolls_sideways(page)
    page.locator("#history-chart").scroll_into_view_if_needed()
    page.screenshot(path="/tmp/candor-15-account-chart-phone.png")


def test_a_refused_decision_comes_back_in_view_with_the_cursor_on_the_wrong_field(
    page, live_server, portfolio
):
    account = an_account_of("tom")
    log_in(page, live_server, "tom")
    page.goto(f"{live_server.url}{account.get_absolute_url()}")
    form = page.get_by_role("form", name="Log a decision")
    form.get_by_label("Summary").fill("Finance signs off the ROI formula")
    form.get_by_label("Decided on").fill("2026-11-20")
    form.get_by_label("Circulated on").fill("2026-11-10")
    form.get_by_role("button", name="Log decision").click()
    page.wait_for_load_state()
    focused = page.evaluate("document.activeElement.name")
    assert focused == "circulated_on"
    assert in_view(page, page.get_by_text("Cannot be circulated before it was decided."))
    assert not Decision.objects.filter(summary__startswith="Finance signs").exists()
    page.screenshot(path="/tmp/candor-15-decision-error.png")


def test_the_date_picker_refuses_a_decision_in_the_future(page, live_server, portfolio):
    account = an_account_of("tom")
    log_in(page, live_server, "tom")
    page.goto(f"{live_server.url}{account.get_absolute_url()}")
    decided = page.get_by_role("form", name="Log a decision").get_by_label("Decided on")
    decided.fill("2030-01-15")
    assert decided.evaluate("input => input.validity.rangeOverflow") is True


def test_after_a_note_the_confirmation_is_where_the_person_is(page, live_server, portfolio):
    account = an_account_of("maya")
    log_in(page, live_server, "maya")
    page.goto(f"{live_server.url}{account.get_absolute_url()}")
    form = page.get_by_role("form", name="Add a note")
    form.get_by_label("Add a note").fill("Exec sponsor agreed to a workshop.")
    form.get_by_role("button", name="Add note").click()
    page.wait_for_url("**#notes")
    assert in_view(page, page.locator("#notes .messages").get_by_text("Note added."))
    page.screenshot(path="/tmp/candor-15-note-added.png")


def test_a_note_is_edited_and_a_decision_marked_reopened_from_the_page(
    page, live_server, portfolio
):
    account = an_account_of("maya")
    log_in(page, live_server, "maya")
    page.goto(f"{live_server.url}{account.get_absolute_url()}")
    form = page.get_by_role("form", name="Add a note")
    form.get_by_label("Add a note").fill("Called Ines.")
    form.get_by_role("button", name="Add note").click()
    page.wait_for_url("**#notes")
    page.locator("#notes .notes li").first.get_by_role("link", name="Edit").click()
    page.get_by_label("Note", exact=True).fill("Called Ines twice.")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**#notes")
    assert page.locator("#notes .notes").get_by_text("Called Ines twice.").is_visible()
    assert Note.objects.get(account=account).edited_at is not None
    decision = account.decisions.filter(reopened_on__isnull=True).first()
    row = page.locator(f"#decision-{decision.pk}")
    row.get_by_role("button", name="reopened").click()
    page.wait_for_url("**#decisions")
    assert page.locator(f"#decision-{decision.pk}").get_by_text("Reopened").is_visible()
    assert in_view(page, page.locator("#decisions .messages"))


def test_a_vp_navigates_all_accounts_and_picks_a_csm_from_a_list(page, live_server, portfolio):
    log_in(page, live_server, "rachel")
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link", name="All accounts").is_visible()
    assert nav.get_by_text("My book").count() == 0
    page.get_by_label("CSM").select_option("maya")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**csm=maya**")
    assert page.get_by_role("heading", name="maya's book").is_visible()
    page.goto(f"{live_server.url}/?csm=May")
    assert page.get_by_text("There is no CSM called “May”").is_visible()


@pytest.mark.parametrize(("width", "display"), [(599, "grid"), (601, "table-row")])
def test_the_book_turns_into_cards_below_600_px(page, live_server, portfolio, width, display):
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server, "rachel")
    first = page.locator("table.book tbody tr").first
    assert first.evaluate("row => getComputedStyle(row).display") == display


def test_the_account_page_says_where_the_colours_start(page, live_server, portfolio):
    log_in(page, live_server, "rachel")
    page.goto(f"{live_server.url}{an_account_of('maya').get_absolute_url()}")
    cutoffs = page.locator(".cutoffs")
    assert "70 or more" in cutoffs.inner_text()
    page.locator("#why-h").scroll_into_view_if_needed()
    page.screenshot(path="/tmp/candor-15-account-why.png")


def test_a_missing_page_looks_like_the_site_and_leads_back(page, live_server, portfolio):
    other = Account.objects.exclude(csm__username="maya").first()
    log_in(page, live_server, "maya")
    response = page.goto(f"{live_server.url}/accounts/{other.pk}/")
    assert response.status == 404
    assert page.get_by_role("heading", name="Nothing here").is_visible()
    page.screenshot(path="/tmp/candor-15-404.png")
    page.get_by_role("link", name="Back to your book").click()
    page.wait_for_url(f"{live_server.url}/")


def test_the_api_docs_lead_back_to_the_app(page, live_server, portfolio):
    log_in(page, live_server, "maya")
    page.goto(f"{live_server.url}/api/v1/docs/")
    page.wait_for_selector(".opblock")
    page.screenshot(path="/tmp/candor-15-api-docs.png")
    page.get_by_role("link", name="← Back to Candor").click()
    page.wait_for_url(f"{live_server.url}/")


def test_the_chart_script_arrives_gzipped(page, live_server, portfolio):
    log_in(page, live_server, "rachel")
    with page.expect_response("**/assets/plotly.js*") as caught:
        page.goto(f"{live_server.url}{an_account_of('maya').get_absolute_url()}")
    assert caught.value.headers.get("content-encoding") == "gzip"
    page.wait_for_selector("#history-chart svg.main-svg")


def test_the_board_view_draws_both_charts_with_their_tables(page, live_server, portfolio):
    log_in(page, live_server, "rachel")
    page.get_by_role("link", name="Portfolio").click()
    page.wait_for_selector("#arr-at-risk-trend svg.main-svg")
    page.wait_for_selector("#renewals-by-quarter svg.main-svg")
    assert page.locator("#arr-at-risk-trend .bars .point").count() >= 2
    months = page.get_by_role("table", name="ARR at risk by month").locator("tbody tr")
    assert months.count() == 12
    quarters = page.get_by_role("table", name="Renewals by quarter").locator("tbody tr")
    assert quarters.count() == 4
    page.locator("#board").screenshot(path="/tmp/candor-15-board.png")


@pytest.fixture
def tasks_in_process():
    """The import task runs in-process, as without a broker: no worker serves this test."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


def test_a_vp_imports_accounts_with_a_preview_and_a_progress_bar(
    page, live_server, portfolio, tmp_path, tasks_in_process
):
    csv = tmp_path / "accounts.csv"
    csv.write_text(
        "CRM ID,Account Name,ARR,contract_start,renewal_date,csm\n"
        "imp-1,Quarry Robotics Nordics,48000,2026-03-01,2027-03-01,maya\n"
        "imp-2,Lumen Bank Iberia,210000,2025-09-01,2026-12-31,tom\n"
    )
    log_in(page, live_server, "rachel")
    page.get_by_role("link", name="Import").click()
    page.get_by_label("What the file holds").select_option("accounts")
    page.locator("input[type=file]").set_input_files(str(csv))
    page.get_by_role("button", name="Preview").click()
    mapping = page.get_by_role("table", name="Column mapping")
    assert mapping.get_by_label("CRM ID").input_value() == "external_id"
    page.screenshot(path="/tmp/candor-15-import-preview.png", full_page=True)
    page.get_by_role("button", name="Import 2 rows").click()
    page.wait_for_selector("progress#import-bar")
    assert page.get_by_text("2 created, 0 updated").is_visible()
    assert page.locator("progress#import-bar").get_attribute("value") == "100"
    assert Account.objects.filter(external_id__startswith="imp-").count() == 2
    page.screenshot(path="/tmp/candor-15-import-done.png")
