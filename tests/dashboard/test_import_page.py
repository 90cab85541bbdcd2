"""The VP's import page: upload, preview, a queued run on the worker, progress to poll."""

import html
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Account, CsvImport, ImportMapping
from accounts.selectors import import_progress_key
from tests.factories import make_account

pytestmark = pytest.mark.django_db

GOOD = (
    "CRM ID,Account Name,arr,contract_start,renewal_date,csm,Notes\n"
    "crm-1,Harbor Foods,12000,2026-01-01,2027-01-01,alice,keep\n"
    "crm-2,Cedar Labs,90000,2026-02-01,2027-02-01,alice,\n"
)


def upload(client, content: str, kind="accounts", name="accounts.csv"):
    file = SimpleUploadedFile(name, content.encode(), content_type="text/csv")
    return client.post(reverse("import_upload"), {"kind": kind, "file": file})


def mapped_on(page: str) -> dict:
    """{header: the field its select has chosen, or None}, as the preview shows them."""
    selects = re.findall(r'<label for="id_column_\d+">([^<]*)</label></th><td><select(.*?)</select>',
                         page, re.S)  # fmt: skip
    chosen = {}
    for header, options in selects:
        picked = re.search(r'<option value="([^"]*)" selected>', options)
        chosen[html.unescape(header)] = picked.group(1) or None if picked else None
    return chosen


@pytest.fixture(autouse=True)
def eager(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True


def test_imports_are_for_vps(client, alice):
    client.force_login(alice)
    assert client.get(reverse("import_upload")).status_code == 403


def test_an_upload_shows_the_mapping_and_first_rows_and_writes_nothing(client, vera, alice):
    client.force_login(vera)
    response = upload(client, GOOD)
    csv_import = CsvImport.objects.get()
    assert response["Location"] == reverse("import_detail", args=[csv_import.pk])
    page = client.get(response["Location"]).content.decode()
    assert mapped_on(page) == {"CRM ID": "external_id", "Account Name": "name", "arr": "arr",
                               "contract_start": "contract_start", "renewal_date": "renewal_date",
                               "csm": "csm", "Notes": None}  # fmt: skip
    assert "<td>Harbor Foods</td>" in page and "Import 2 rows" in page
    assert not Account.objects.exists()


def test_a_file_that_is_not_utf8_is_refused_at_upload(client, vera):
    client.force_login(vera)
    file = SimpleUploadedFile("a.csv", "external_id\ncafé\n".encode("latin-1"))
    response = client.post(reverse("import_upload"), {"kind": "accounts", "file": file})
    assert response.status_code == 400
    assert "not UTF-8" in response.content.decode()
    assert not CsvImport.objects.exists()


def test_starting_an_import_runs_it_and_the_progress_says_done(
    client, vera, alice, django_capture_on_commit_callbacks
):
    client.force_login(vera)
    csv_import = CsvImport.objects.get(pk=int(upload(client, GOOD)["Location"].split("/")[-2]))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("import_start", args=[csv_import.pk]))
    assert Account.objects.count() == 2
    progress = client.get(reverse("import_progress", args=[csv_import.pk])).json()
    assert (progress["status"], progress["percent"], progress["created"]) == ("done", 100, 2)
    page = client.get(reverse("import_detail", args=[csv_import.pk])).content.decode()
    assert "2 created, 0 updated" in page and "<progress" in page


def test_a_refused_import_lists_its_problems_on_the_page(
    client, vera, alice, django_capture_on_commit_callbacks
):
    client.force_login(vera)
    bad = GOOD.replace("12000", "lots")
    location = upload(client, bad)["Location"]
    pk = int(location.split("/")[-2])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("import_start", args=[pk]))
    assert not Account.objects.exists()
    page = client.get(location).content.decode()
    assert "Why nothing was imported" in page
    assert '<td class="num">2</td><td>arr</td><td>&#x27;lots&#x27; is not an amount' in page


def test_an_import_started_twice_is_queued_once(
    client, vera, alice, django_capture_on_commit_callbacks, monkeypatch
):
    from accounts import tasks

    queued = []
    monkeypatch.setattr(tasks.csv_import_run, "delay", queued.append)
    client.force_login(vera)
    pk = int(upload(client, GOOD)["Location"].split("/")[-2])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("import_start", args=[pk]))
        client.post(reverse("import_start", args=[pk]))
    assert queued == [pk]
    assert CsvImport.objects.get(pk=pk).status == "queued"


def test_progress_while_running_reports_rows_written_so_far(client, vera):
    from django.core.cache import cache

    csv_import = CsvImport.objects.create(
        kind="accounts", filename="a.csv", content="external_id\n", created_by=vera,
        status="running", rows=100_000,
    )  # fmt: skip
    cache.set(import_progress_key(csv_import.pk), {"phase": "writing", "done": 40_000,
                                                   "total": 100_000})  # fmt: skip
    client.force_login(vera)
    progress = client.get(reverse("import_progress", args=[csv_import.pk])).json()
    assert (progress["phase"], progress["done"], progress["percent"]) == ("writing", 40_000, 40)
    assert progress["finished"] is False


def start(client, location: str, data=None, django_capture_on_commit_callbacks=None):
    pk = int(location.split("/")[-2])
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("import_start", args=[pk]), data or {})


def test_a_mixed_file_of_new_accounts_and_an_update_leaving_csm_blank_imports_from_the_page(
    client, vera, alice, django_capture_on_commit_callbacks
):
    make_account(csm=alice, external_id="crm-3", name="Old name")
    client.force_login(vera)
    location = upload(client, GOOD + "crm-3,New name,,,,,\n")["Location"]
    response = start(client, location, None, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert Account.objects.get(external_id="crm-3").name == "New name"
    recent = client.get(reverse("import_upload")).content.decode()
    assert "Done: 2 created, 1 updated" in recent


def test_a_refused_file_lists_every_problem_it_counts(
    client, vera, alice, django_capture_on_commit_callbacks
):
    client.force_login(vera)
    bad = GOOD.replace("12000", "lots").replace(",alice,\n", ",nobody,\n")
    location = upload(client, bad + "crm-4,No money,,2026-01-01,2027-01-01,alice,\n")["Location"]
    start(client, location, None, django_capture_on_commit_callbacks)
    recent = client.get(reverse("import_upload")).content.decode()
    assert "Failed: 3 problems" in recent
    page = client.get(location).content.decode()
    assert page.count('<td class="num">') == 3
    assert "no user called &#x27;nobody&#x27;" in page and "a new account needs its arr" in page


UNKNOWN = (
    "Customer Ref,Title,Money,Began,Renews,Manager,Region\n"
    "ref-1,Harbor Foods,12000,2026-01-05,2027-01-05,alice,EMEA\n"
)
CHOSEN = {"column_0": "external_id", "column_1": "name", "column_2": "arr",
          "column_3": "contract_start", "column_4": "renewal_date", "column_5": "csm",
          "column_6": "", "date_order": "auto", "remember": "me"}  # fmt: skip


def test_columns_of_unknown_headers_are_mapped_in_the_preview_and_imported(
    client, vera, alice, django_capture_on_commit_callbacks
):
    client.force_login(vera)
    location = upload(client, UNKNOWN)["Location"]
    assert set(mapped_on(client.get(location).content.decode()).values()) == {None}
    start(client, location, CHOSEN, django_capture_on_commit_callbacks)
    harbor = Account.objects.get(external_id="ref-1")
    assert (harbor.name, harbor.csm, str(harbor.renewal_date)) == (
        "Harbor Foods",
        alice,
        "2027-01-05",
    )


def test_a_changed_mapping_updates_the_preview_before_anything_is_written(client, vera):
    client.force_login(vera)
    location = upload(client, UNKNOWN)["Location"]
    pk = int(location.split("/")[-2])
    response = client.post(reverse("import_map", args=[pk]), CHOSEN)
    assert response["Location"] == location
    page = client.get(location).content.decode()
    assert mapped_on(page)["Money"] == "arr" and mapped_on(page)["Region"] is None
    assert "No column is read as" not in page
    assert not Account.objects.exists()


def test_a_mapping_is_remembered_for_the_next_file_with_the_same_headers(client, vera):
    client.force_login(vera)
    pk = int(upload(client, UNKNOWN)["Location"].split("/")[-2])
    client.post(reverse("import_map", args=[pk]), CHOSEN)
    reordered = "Region,Manager,Renews,Began,Money,Title,Customer Ref\nAPAC,alice,2027-02-01,2026-02-01,9000,Cedar,ref-2\n"
    page = client.get(upload(client, reordered)["Location"]).content.decode()
    assert mapped_on(page) == {"Region": None, "Manager": "csm", "Renews": "renewal_date",
                               "Began": "contract_start", "Money": "arr", "Title": "name",
                               "Customer Ref": "external_id"}  # fmt: skip


def test_a_mapping_kept_for_me_is_not_offered_to_another_vp_but_one_for_everyone_is(client, vera):
    from accounts.services import user_create_with_role

    victor = user_create_with_role(username="victor", role="vp")
    client.force_login(vera)
    pk = int(upload(client, UNKNOWN)["Location"].split("/")[-2])
    client.post(reverse("import_map", args=[pk]), CHOSEN)
    client.force_login(victor)
    page = client.get(upload(client, UNKNOWN)["Location"]).content.decode()
    assert mapped_on(page)["Money"] is None
    client.force_login(vera)
    pk = int(upload(client, UNKNOWN)["Location"].split("/")[-2])
    client.post(reverse("import_map", args=[pk]), {**CHOSEN, "remember": "everyone"})
    client.force_login(victor)
    assert (
        mapped_on(client.get(upload(client, UNKNOWN)["Location"]).content.decode())["Money"]
        == "arr"
    )


def test_a_mapping_with_one_field_twice_is_refused_and_changes_nothing(client, vera):
    client.force_login(vera)
    location = upload(client, UNKNOWN)["Location"]
    pk = int(location.split("/")[-2])
    response = client.post(reverse("import_map", args=[pk]), {**CHOSEN, "column_6": "arr"})
    assert response.status_code == 400
    assert (
        "arr is chosen for both &#x27;Money&#x27; and &#x27;Region&#x27;"
        in response.content.decode()
    )
    assert CsvImport.objects.get(pk=pk).mapping == {}
    assert not ImportMapping.objects.exists()


def test_an_import_started_with_an_unusable_mapping_is_not_queued(client, vera):
    client.force_login(vera)
    pk = int(upload(client, UNKNOWN)["Location"].split("/")[-2])
    response = client.post(reverse("import_start", args=[pk]), {**CHOSEN, "column_0": ""})
    assert (
        response.status_code == 400
        and "One column must be external_id" in response.content.decode()
    )
    assert CsvImport.objects.get(pk=pk).status == "previewed"


def test_outcomes_are_imported_from_the_page(
    client, vera, alice, django_capture_on_commit_callbacks
):
    make_account(csm=alice, external_id="crm-1")
    client.force_login(vera)
    location = upload(
        client, "Account ID,Outcome,Churn Date\ncrm-1,Churned,2026-11-01\n", kind="outcomes"
    )["Location"]
    start(client, location, None, django_capture_on_commit_callbacks)
    churned = Account.objects.get(external_id="crm-1")
    assert (churned.outcome, str(churned.outcome_on)) == ("churned", "2026-11-01")


def assert_refused(response, words: str) -> None:
    assert response.status_code == 400
    assert words in response.content.decode()
    assert not CsvImport.objects.exists() and not Account.objects.exists()


def test_a_file_over_the_size_limit_stops_being_stored_and_is_refused(client, vera, settings):
    settings.IMPORT_MAX_BYTES = 1000
    client.force_login(vera)
    assert_refused(upload(client, GOOD * 20), "The file is larger than 1000")


def test_a_body_declared_over_the_size_limit_is_refused_unread(client, vera, settings):
    settings.IMPORT_MAX_BYTES = 1000
    client.force_login(vera)
    assert_refused(upload(client, GOOD + "x" * 200_000), "The file is larger than 1000")


def test_a_file_over_the_row_limit_is_refused(client, vera, settings):
    settings.IMPORT_MAX_ROWS = 1
    client.force_login(vera)
    assert_refused(upload(client, GOOD), "more than 1 rows")


def test_a_file_over_the_column_limit_is_refused(client, vera, settings):
    settings.IMPORT_MAX_COLUMNS = 5
    client.force_login(vera)
    assert_refused(upload(client, GOOD), "The file has 7 columns; an import takes at most 5")


def test_a_line_over_the_line_limit_is_refused(client, vera, settings):
    settings.IMPORT_MAX_LINE_BYTES = 100
    client.force_login(vera)
    content = GOOD + "crm-3," + "x" * 200 + ",1,2026-01-01,2027-01-01,alice,\n"
    assert_refused(upload(client, content), "lines may be at most 100")


def test_a_ten_megabyte_file_of_a_million_columns_is_refused_with_the_default_limits(client, vera):
    client.force_login(vera)
    header = ",".join(f"c{n:07d}" for n in range(1_000_000))
    content = header + "\n" + "1," * 1_000_000 + "\n"
    assert len(content) > 10_000_000
    assert_refused(upload(client, content), "lines may be at most")


def test_an_upload_needs_the_csrf_token(vera, alice):
    from django.test import Client

    guarded = Client(enforce_csrf_checks=True)
    guarded.force_login(vera)
    file = SimpleUploadedFile("a.csv", GOOD.encode(), content_type="text/csv")
    response = guarded.post(reverse("import_upload"), {"kind": "accounts", "file": file})
    assert response.status_code == 403
    assert not CsvImport.objects.exists()


def test_an_outcomes_preview_says_every_row_needs_what_the_file_lacks(client, vera):
    client.force_login(vera)
    location = upload(client, "Account ID,Note\ncrm-1,hi\n", kind="outcomes")["Location"]
    page = client.get(location).content.decode()
    assert "No column is read as outcome: every row needs it." in page


def test_a_run_that_stops_unexpectedly_shows_why_on_its_page(
    client, vera, alice, django_capture_on_commit_callbacks, monkeypatch
):
    from accounts import services

    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(services, "import_write", broken)
    client.force_login(vera)
    location = upload(client, GOOD)["Location"]
    assert start(client, location, None, django_capture_on_commit_callbacks)["Location"] == location
    page = client.get(location).content.decode()
    assert "The import stopped: the disk is full. Nothing was imported." in page
    assert "Failed: 1 problem" in client.get(reverse("import_upload")).content.decode()
