"""bench_upload times the refused wide file, an upload with its preview, and a run, and leaves
the database as it was."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import Account, CsvImport

pytestmark = pytest.mark.django_db


def test_bench_upload_times_a_refusal_a_preview_and_a_run_and_leaves_nothing(alice, vera):
    out = StringIO()
    call_command("bench_upload", rows=20, runs=1, stdout=out)
    summary = json.loads(out.getvalue().strip().splitlines()[-1])
    assert summary["rows"] == 20 and summary["wide_file_mb"] > 10
    assert all(summary[k] >= 0 for k in ("refuse_wide_file_s", "upload_and_preview_s", "run_s"))
    assert not Account.objects.exists() and not CsvImport.objects.exists()
