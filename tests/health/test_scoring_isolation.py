"""One account's bad data (a signal stored before validation existed, or by COPY) never fails a
scoring run: that account is logged and reported, every other one is scored."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from health import services, tasks
from health.models import HealthScore
from tests.factories import make_account, make_signal

pytestmark = pytest.mark.django_db


@pytest.fixture
def portfolio(alice):
    """Four accounts; the third has a signal dated 0001-01-01T00:00:00+05:00."""
    accounts = [make_account(csm=alice) for _ in range(4)]
    for account in accounts:
        make_signal(account=account, occurred_at=timezone.now() - timezone.timedelta(days=2))
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO signals_signal (account_id, external_id, kind, occurred_at, actor, value, "
            "source, received_at) VALUES (%s, 'bad', 'roi_report_generated', '0001-01-01T00:00:00+05:00', "
            "'ana@example.com', '', 'copy', now())",
            [accounts[2].pk],
        )
    return accounts


def scored(accounts):
    return set(
        HealthScore.objects.filter(account__in=accounts).values_list("account_id", flat=True)
    )


def test_a_run_scores_every_account_but_the_one_with_bad_data(portfolio):
    failed = []
    assert services.score_accounts(failed=failed) == 3
    assert scored(portfolio) == {portfolio[i].pk for i in (0, 1, 3)}
    assert failed == [portfolio[2].pk]


def test_the_account_that_could_not_be_scored_is_logged(portfolio, caplog):
    services.score_accounts()
    assert f"Account {portfolio[2].pk} could not be scored" in caplog.text


def test_the_rescore_after_ingest_scores_the_other_accounts(portfolio):
    services.score_accounts(account_ids=[a.pk for a in portfolio])
    assert len(scored(portfolio)) == 3


def test_the_sweep_scores_the_other_accounts(portfolio):
    tasks.rescore_stale_accounts.run()
    assert len(scored(portfolio)) == 3


def test_the_score_command_reports_the_account_it_could_not_score(portfolio):
    out, err = io.StringIO(), io.StringIO()
    call_command("score", stdout=out, stderr=err)
    assert "Scored 3 accounts" in out.getvalue()
    assert f"Could not score 1 account: {portfolio[2].pk}" in err.getvalue()


def test_a_fault_in_every_account_is_raised_not_hidden(alice, monkeypatch):
    for _ in range(3):
        make_account(csm=alice)

    def broken(features, as_of):
        raise ValueError("the scorer itself is broken")

    monkeypatch.setattr(services, "score_features", broken)
    monkeypatch.setattr(services, "MAX_ISOLATED_FAILURES", 1)
    with pytest.raises(services.ScoringFailed):
        services.score_accounts()
