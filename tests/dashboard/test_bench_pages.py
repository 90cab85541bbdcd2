import json
from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import Account

pytestmark = pytest.mark.django_db


def test_bench_pages_reports_medians_and_query_counts_as_json():
    call_command("seed_demo", accounts=15, seed=4, stdout=StringIO())
    call_command("score", stdout=StringIO())
    out = StringIO()
    call_command("bench_pages", runs=2, stdout=out)
    summary = json.loads(out.getvalue().strip().splitlines()[-1])
    assert summary["accounts"] == 15
    assert summary["book_ms"] > 0 and summary["portfolio_ms"] > 0
    assert 0 < summary["book_queries"] <= 11  # 10, and the CSM sentiments beside the scores
    assert 0 < summary["portfolio_queries"] <= 24  # as test_portfolio_query_count_is_bounded
    assert summary["api_health_ms"] > 0 and 0 < summary["api_health_queries"] <= 8
    # as test_my_work_query_count_is_bounded (tests/actions/test_my_work_page.py)
    assert summary["my_work_ms"] > 0 and 0 < summary["my_work_queries"] <= 12
    assert summary["vp_my_work_ms"] > 0 and 0 < summary["vp_my_work_queries"] <= 12
    assert summary["team_ms"] > 0 and 0 < summary["team_queries"] <= 12  # the demo's team lead
    assert summary["roadmap_ms"] > 0 and 0 < summary["roadmap_queries"] <= 8
    assert summary["sales_ms"] > 0 and 0 < summary["sales_queries"] <= 14
    assert summary["terms_ms"] > 0 and 0 < summary["terms_queries"] <= 12
    for page in ("sales", "terms", "forecast"):
        assert summary[f"{page}_first_after_run_ms"] > 0
    for drill_down in ("sales_deals", "terms_accounts", "playbooks"):
        assert summary[f"{drill_down}_ms"] > 0 and summary[f"{drill_down}_queries"] > 0


def test_bench_pages_says_whose_book_it_measured_and_how_big_it_is():
    call_command("seed_demo", accounts=15, seed=4, stdout=StringIO())
    call_command("score", stdout=StringIO())
    out = StringIO()
    call_command("bench_pages", runs=1, book_size=1, stdout=out)
    summary = json.loads(out.getvalue().strip().splitlines()[-1])
    book = Account.objects.filter(csm__username=summary["book_csm"]).exclude(outcome="churned")
    assert summary["book_accounts"] == book.count()
    assert summary["csms"] == Account.objects.values("csm").distinct().count()
    assert f"measured {summary['book_csm']}'s book ({book.count()} active" in out.getvalue()


def test_bench_csv_times_imports_rescore_and_exports_and_leaves_the_database_as_it_was():
    call_command("seed_demo", accounts=15, seed=4, stdout=StringIO())
    before = Account.objects.count()
    active = Account.objects.exclude(outcome="churned").count()
    out = StringIO()
    call_command("bench_csv", rows=30, stdout=out)
    summary = json.loads(out.getvalue().strip().splitlines()[-1])
    assert summary["rows"] == 30
    assert summary["book_csv_rows"] == 30 + active, "the VP's book: demo accounts and the imported"
    for name in ("import_accounts_new", "import_accounts_update", "import_stakeholders_new",
                 "rescore_imported", "export_book_csv",
                 "export_portfolio_arr_at_risk_by_month_csv"):  # fmt: skip
        assert summary[f"{name}_s"] >= 0
    assert Account.objects.count() == before
