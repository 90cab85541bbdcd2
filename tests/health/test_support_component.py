"""Support: how much help the customer needed (kinds of category "support" in 90 days, per
seat), shown beside the score, weighed where a scorecard says so, and missing where the
portfolio records no support at all."""

import math
from datetime import timedelta

import pytest
from django.utils import timezone

from health.features import AccountRange, build_features
from health.models import HealthScore
from health.scoring import ScorecardSpec, score_frame
from health.services import score_accounts
from signals.models import SignalKindDef
from tests.factories import make_account, make_signal
from tests.health.builders import AS_OF, frame, healthy


def support(**row) -> float:
    return score_frame(frame(healthy(**row)), ScorecardSpec(), AS_OF)["support"].iloc[0]


def test_no_support_request_scores_100_and_one_per_seat_halves_it():
    assert support(support_events_90d=0.0) == pytest.approx(100)
    assert support(support_events_90d=50.0, seats=50.0) == pytest.approx(50)
    assert support(support_events_90d=100.0, seats=50.0) == pytest.approx(100 / 3)


def test_support_is_missing_where_the_portfolio_records_none():
    assert math.isnan(support(support_recorded=False))


def test_support_counts_in_the_overall_only_where_the_scorecard_weighs_it():
    strained = frame(healthy(support_events_90d=200.0, seats=50.0))
    unweighted = score_frame(strained, ScorecardSpec(), AS_OF)["overall"].iloc[0]
    calm = score_frame(frame(healthy()), ScorecardSpec(), AS_OF)["overall"].iloc[0]
    weighed = ScorecardSpec(weights={**ScorecardSpec().weights, "support": 20})
    assert unweighted == pytest.approx(calm)
    assert score_frame(strained, weighed, AS_OF)["overall"].iloc[0] < unweighted


def moment(days: int):
    return timezone.now() - timedelta(days=days)


def scope_of(name: str, account):
    """The accounts asked about as a portfolio run, a shard and a changed account's rescore
    ask: the first two read the kinds' codes, the last a subquery of them."""
    return {"portfolio": None, "shard": AccountRange(account.pk, account.pk),
            "rescore": [account.pk]}[name]  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("scope", ["portfolio", "shard", "rescore"])
def test_features_count_support_kinds_of_90_days_a_company_registered_ones_too(alice, scope):
    SignalKindDef.objects.create(
        code="help_article_viewed", label="Help article", category="support"
    )
    account = make_account(csm=alice)
    make_signal(account=account, kind="support_ticket", occurred_at=moment(5))
    make_signal(account=account, kind="help_article_viewed", occurred_at=moment(20))
    make_signal(account=account, kind="support_ticket", occurred_at=moment(120))
    make_signal(account=account, kind="login", occurred_at=moment(1))
    row = build_features(timezone.now().date(), scope_of(scope, account)).loc[account.pk]
    assert (row["support_events_90d"], bool(row["support_recorded"])) == (2, True)


@pytest.mark.django_db
@pytest.mark.parametrize("scope", ["portfolio", "shard", "rescore"])
def test_a_kind_moved_out_of_support_no_longer_counts_and_none_left_reads_none(alice, scope):
    account = make_account(csm=alice)
    make_signal(account=account, kind="support_ticket", occurred_at=moment(5))
    SignalKindDef.objects.filter(code="support_ticket").update(category="usage")
    row = build_features(timezone.now().date(), scope_of(scope, account)).loc[account.pk]
    assert (row["support_events_90d"], bool(row["support_recorded"])) == (0, False)


@pytest.mark.django_db
def test_a_portfolio_without_support_signals_leaves_support_out_and_says_so(alice):
    account = make_account(csm=alice)
    make_signal(account=account, kind="login", occurred_at=moment(1))
    score_accounts(account_ids=[account.pk])
    component = HealthScore.objects.filter(account=account).latest().components["support"]
    assert component["score"] is None
    assert "No support tickets or help-centre visits recorded" in component["reasons"][0]


@pytest.mark.django_db
def test_the_reasons_count_the_requests_against_the_seats(alice):
    account = make_account(csm=alice, seats=4)
    for days in (3, 10, 30):
        make_signal(account=account, kind="support_ticket", occurred_at=moment(days))
    score_accounts(account_ids=[account.pk])
    component = HealthScore.objects.filter(account=account).latest().components["support"]
    assert component["reasons"] == ["3 support requests in the last 90 days for 4 seats."]
    assert component["score"] == pytest.approx(100 / (1 + 3 / 4), abs=0.1)
