"""`bench_api` runs green from a clean checkout: its gunicorn takes every batch, nothing is
lost, and the replay of the first batch is answered as duplicates, not as a conflict."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from tests.faults.processes import database_url_of_tests

pytestmark = pytest.mark.django_db(transaction=True)


def test_bench_api_replays_its_first_batch_as_duplicates_and_reports_ok(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", database_url_of_tests())  # its gunicorn: the test database
    monkeypatch.delenv("REDIS_URL", raising=False)
    out = StringIO()
    call_command("bench_api", signals=30, batch=10, accounts=3, workers=1, clients=2, stdout=out)
    report = json.loads(out.getvalue().strip().splitlines()[-1])
    assert (report["ok"], report["rows_of_run"], report["replay"]) == (
        True, 30, {"created": 0, "duplicates": 10},
    )  # fmt: skip
