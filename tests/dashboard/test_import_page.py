"""The VP's import page: upload, preview, a queued run on the worker, progress to poll."""

import html
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Account, CsvImport
from accounts.selectors import import_progress_key

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
