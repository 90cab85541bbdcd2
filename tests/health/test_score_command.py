"""The `score` command that `make run` calls: a backfill run twice keeps one score per day."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count

from health.models import HealthScore
from tests.factories import days_ago, make_account, make_signal

pytestmark = pytest.mark.django_db


def score(**options) -> str:
    out = StringIO()
    call_command("score", stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


def test_a_backfill_run_twice_writes_one_score_per_account_and_past_day(alice):
    account = make_account(csm=alice, contract_start=days_ago(100))
    make_signal(account=account)
    score(backfill=28)
    score(backfill=28)
    past = HealthScore.objects.filter(as_of__lt=days_ago(0)).values("account", "as_of")
    per_day = past.annotate(n=Count("id")).values_list("n", flat=True)
    assert len(per_day) == 4
    assert set(per_day) == {1}


def test_a_second_backfill_says_the_days_already_had_scores(alice):
    make_account(csm=alice, contract_start=days_ago(100))
    score(backfill=14)
    second = score(backfill=14)
    assert f"as of 2 weekly dates, {days_ago(14)} to {days_ago(7)}: 0 new scores" in second
    assert "already had a score that day" in second


def test_a_backfill_shows_one_progress_bar_not_a_line_per_run(alice):
    make_account(csm=alice, contract_start=days_ago(100))
    out, err = StringIO(), StringIO()
    call_command("score", backfill=28, stdout=out, stderr=err)
    assert "Building score history" in err.getvalue() and "4/4" in err.getvalue()
    lines = out.getvalue().splitlines()
    assert len([line for line in lines if line.startswith(("Scored", "Built"))]) == 2
    assert lines[0].startswith("Built score history as of 4 weekly dates")
