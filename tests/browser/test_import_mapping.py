"""A VP imports a CRM export whose headers Candor does not know: maps its columns in the
preview, imports it, and the next file with those headers comes mapped."""

import pytest

from accounts.models import Account
from accounts.services import user_create_with_role
from candor.celery import app as celery_app
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-battery"
EXPORT = (
    "Customer Ref;Title;Money;Began;Renews;Manager;Region\n"
    "ref-1;Harbor Foods;12000;14/03/2025;14/03/2026;alice@example.com;EMEA\n"
    "ref-2;Cedar Labs;48000;01/06/2025;31/05/2026;alice@example.com;EMEA\n"
)
MAPPING = {"Customer Ref": "external_id", "Title": "name", "Money": "arr", "Began": "contract_start",
           "Renews": "renewal_date", "Manager": "csm"}  # fmt: skip


@pytest.fixture
def people(transactional_db):
    user_create_with_role(
        username="alice", role="csm", password=PASSWORD, email="alice@example.com"
    )
    user_create_with_role(username="vera", role="vp", password=PASSWORD)


@pytest.fixture
def tasks_in_process():
    """The import task runs in-process, as without a broker: no worker serves this test."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


def upload(page, live_server, path):
    page.goto(f"{live_server.url}/imports/")
    page.get_by_label("What the file holds").select_option("accounts")
    page.locator("input[type=file]").set_input_files(str(path))
    page.get_by_role("button", name="Preview").click()
    return page.get_by_role("table", name="Column mapping")


def test_a_vp_maps_unknown_columns_in_the_preview_and_imports_the_file(
    page, live_server, people, tmp_path, tasks_in_process
):
    export = tmp_path / "export.csv"
    export.write_text(EXPORT)
    log_in(page, live_server, "vera", PASSWORD)
    mapping = upload(page, live_server, export)
    assert mapping.get_by_label("Money").input_value() == ""
    assert page.get_by_text("No column is read as external_id").is_visible()
    for header, field in MAPPING.items():
        mapping.get_by_label(header).select_option(field)
    page.get_by_label("For everyone, for the next file with these columns").check()
    page.get_by_role("button", name="Update the preview").click()
    assert (
        page.get_by_role("table", name="Column mapping").get_by_label("Money").input_value()
        == "arr"
    )
    assert not page.get_by_text("No column is read as").is_visible()
    page.screenshot(path="/tmp/candor-21-import-preview.png", full_page=True)
    page.get_by_role("button", name="Import 2 rows").click()
    page.wait_for_selector("progress#import-bar")
    assert page.get_by_text("2 created, 0 updated").is_visible()
    harbor = Account.objects.get(external_id="ref-1")
    assert (harbor.name, harbor.csm.username, str(harbor.renewal_date)) == (
        "Harbor Foods",
        "alice",
        "2026-03-14",
    )
    page.screenshot(path="/tmp/candor-21-import-mapped.png", full_page=True)

    again = upload(page, live_server, export)
    assert {header: again.get_by_label(header).input_value() for header in MAPPING} == MAPPING
