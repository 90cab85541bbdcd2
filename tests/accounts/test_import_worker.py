"""A CSV import run by a real Celery worker on Redis, its progress polled over HTTP as the page
does (CI; skipped when REDIS_URL is not set)."""

import os
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Account
from candor.celery import app

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL and a worker"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def worker():
    from celery.contrib.testing.worker import start_worker

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=20) as running:
        yield running


def test_the_worker_imports_the_file_and_the_progress_endpoint_follows_it(
    worker, client, vera, alice
):
    rows = "".join(
        f"w-{n},Worker Account {n},1000,2026-01-01,2027-01-01,alice\n" for n in range(300)
    )
    content = "external_id,name,arr,contract_start,renewal_date,csm\n" + rows
    client.force_login(vera)
    upload = SimpleUploadedFile("accounts.csv", content.encode(), content_type="text/csv")
    location = client.post(reverse("import_upload"), {"kind": "accounts", "file": upload})[
        "Location"
    ]
    pk = int(location.rstrip("/").rsplit("/", 1)[1])
    client.post(reverse("import_start", args=[pk]))
    seen, deadline = [], time.monotonic() + 60
    while time.monotonic() < deadline:
        progress = client.get(reverse("import_progress", args=[pk])).json()
        seen.append(progress["status"])
        if progress["finished"]:
            break
        time.sleep(0.2)
    assert progress["status"] == "done" and progress["percent"] == 100
    assert (progress["created"], progress["updated"]) == (300, 0)
    assert Account.objects.filter(external_id__startswith="w-").count() == 300
    assert seen[0] in ("queued", "running", "done")
