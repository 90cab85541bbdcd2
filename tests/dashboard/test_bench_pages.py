import json
from io import StringIO

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_bench_pages_reports_medians_and_query_counts_as_json():
    call_command("seed_demo", accounts=15, seed=4, stdout=StringIO())
    call_command("score", stdout=StringIO())
    out = StringIO()
    call_command("bench_pages", runs=2, stdout=out)
    summary = json.loads(out.getvalue().strip().splitlines()[-1])
    assert summary["accounts"] == 15
    assert summary["book_ms"] > 0 and summary["portfolio_ms"] > 0
    assert 0 < summary["book_queries"] <= 10
