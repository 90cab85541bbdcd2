"""The CSM's sentiment reaches the scorer as a feature: the newest rating in force at as_of."""

from datetime import timedelta

import pandas as pd
import pytest
from django.utils import timezone

from actions.models import Sentiment
from actions.services import sentiment_record
from health.features import build_features
from health.models import HealthScore, Scorecard
from health.scoring.constants import DEFAULT_WEIGHTS
from health.services import scorecard_update
from tests.factories import days_ago, make_account


@pytest.fixture
def account(alice):
    return make_account(csm=alice, contract_start=days_ago(300))


def rate(account, by, rating, days_ago_given, valid_days=30):
    return Sentiment.objects.create(
        account=account, rating=rating, reason="Call with the sponsor", valid_days=valid_days,
        created_by=by, created_at=timezone.now() - timedelta(days=days_ago_given),
    )  # fmt: skip


def sentiment_on(account, as_of=None):
    return build_features(as_of or timezone.now().date()).loc[account.pk, "csm_sentiment"]


def test_the_newest_rating_in_force_is_the_feature(account, alice):
    rate(account, alice, "green", 20)
    rate(account, alice, "red", 2)
    assert sentiment_on(account) == 0


def test_an_expired_rating_is_no_sentiment(account, alice):
    rate(account, alice, "green", 40, valid_days=30)
    assert pd.isna(sentiment_on(account))


def test_a_past_date_sees_the_rating_given_by_then(account, alice):
    rate(account, alice, "amber", 20)
    rate(account, alice, "red", 2)
    assert sentiment_on(account, days_ago(10)) == 50


@pytest.fixture
def rescores_inline(settings):
    """Rescore requests scored at once, as without a broker (with REDIS_URL a worker would)."""
    settings.CELERY_TASK_ALWAYS_EAGER = True


def test_recording_sentiment_rescores_an_account_whose_scorecard_weighs_it(
    account, alice, django_capture_on_commit_callbacks, rescores_inline
):
    scorecard, _ = Scorecard.objects.get_or_create(segment="", defaults={"name": "Default"})
    scorecard_update(scorecard=scorecard, weights={**DEFAULT_WEIGHTS, "sentiment": 10})
    with django_capture_on_commit_callbacks(execute=True):
        sentiment_record(
            account=account, rating="red", reason="Sponsor left", valid_days=30, by=alice
        )
    health = HealthScore.objects.filter(account=account).latest("computed_at")
    assert health.components["sentiment"]["score"] == 0


def test_recording_sentiment_does_not_rescore_when_no_scorecard_weighs_it(
    account, alice, django_capture_on_commit_callbacks, rescores_inline
):
    with django_capture_on_commit_callbacks(execute=True):
        sentiment_record(
            account=account, rating="red", reason="Sponsor left", valid_days=30, by=alice
        )
    assert not HealthScore.objects.filter(account=account).exists()
