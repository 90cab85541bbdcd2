"""health tells the apps above it, without importing them, once a run's scores committed."""

import pytest
from django.utils import timezone

from health.hooks import portfolio_scored, scores_written
from health.models import CurrentHealth
from health.services import score_accounts
from tests.factories import make_account, make_signal

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard():
    calls = []

    def listener(sender, **kwargs):
        calls.append(kwargs)

    scores_written.connect(listener, dispatch_uid="test-listener")
    yield calls
    scores_written.disconnect(dispatch_uid="test-listener")


def test_a_scoring_run_says_which_accounts_it_wrote_after_the_commit(
    alice, heard, django_capture_on_commit_callbacks
):
    accounts = [make_account(csm=alice) for _ in range(2)]
    for account in accounts:
        make_signal(account=account, occurred_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        score_accounts()
    assert heard == []  # nothing is said before the commit
    for callback in callbacks:
        callback()
    [call] = heard
    assert call["account_ids"] == sorted(a.pk for a in accounts)
    assert (call["as_of"], call["current"]) == (timezone.now().date(), True)


@pytest.fixture
def failing_receiver():
    def receiver(sender, **kwargs):
        raise RuntimeError("a lens could not be computed")

    portfolio_scored.connect(receiver, dispatch_uid="test-failing")
    yield
    portfolio_scored.disconnect(dispatch_uid="test-failing")


def test_a_receiver_failing_after_a_portfolio_run_leaves_its_scores_written(
    alice, failing_receiver
):
    account = make_account(csm=alice)
    make_signal(account=account, occurred_at=timezone.now())
    assert score_accounts() == 1
    assert CurrentHealth.objects.filter(account=account).exists()
