"""backtest --forecast: each past quarter's forecast at its start against the ARR that renewed."""

import json
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from health.forecast_backtest import past_quarters
from tests.factories import make_account
from tests.forecast.builders import adopt_flat_model


def test_the_last_four_whole_quarters_oldest_first():
    labels = [q["quarter"] for q in past_quarters(date(2026, 12, 6))]
    assert labels == ["2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3"]


def replay() -> dict:
    out = StringIO()
    call_command("backtest", "--forecast", stdout=out)
    return json.loads(out.getvalue().strip().splitlines()[-1])


@pytest.mark.django_db
def test_without_an_adopted_model_it_says_what_to_do():
    with pytest.raises(CommandError, match="calibrate"):
        replay()


@pytest.mark.django_db
def test_a_quarter_replayed_against_what_renewed(alice):
    """Five renewals of 1,000 due mid-quarter, each 20% likely to churn: 4,000 expected; two
    churned, so 3,000 renewed and the forecast was 33% high."""
    adopt_flat_model(0.2)
    quarter = past_quarters(timezone.now().date(), 1)[0]
    due = quarter["start"] + timedelta(days=45)
    start = due - timedelta(days=365)
    for i in range(5):
        churned = i < 2
        make_account(
            csm=alice, arr=Decimal("1000"), contract_start=start,
            renewal_date=due if churned else due + timedelta(days=365),
            last_renewed_on=None if churned else due,
            outcome="churned" if churned else "renewed", outcome_on=due,
        )  # fmt: skip
    row = next(r for r in replay()["quarters"] if r["quarter"] == quarter["quarter"])
    assert (row["renewals"], row["expected_renewed_arr"], row["renewed_arr"]) == (5, 4000, 3000)
    assert (row["error"], row["within_target"]) == (round(1000 / 3000, 4), False)


@pytest.mark.django_db
def test_the_validity_section_marks_a_quarter_outside_the_target_as_missed(alice, vera, client):
    test_a_quarter_replayed_against_what_renewed(alice)
    client.force_login(vera)
    content = client.get("/portfolio/").content.decode()
    assert "The renewal forecast, replayed" in content
    assert "33.3%" in content
    assert "missed" in content.split("The renewal forecast, replayed")[1]
