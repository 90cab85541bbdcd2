"""With Redis down, a rescore request is kept in the database and the sweep scores it."""

import pytest

from health import services, tasks
from health.models import HealthScore, RescoreRequest
from tests.factories import make_account

pytestmark = pytest.mark.django_db

DEAD_REDIS = "redis://127.0.0.1:1/0"


@pytest.fixture
def redis_down(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.REDIS_URL = DEAD_REDIS


def test_a_rescore_request_is_kept_in_the_database_when_redis_is_down(redis_down, alice):
    account = make_account(csm=alice)
    services.rescore_request(account_ids=[account.pk, account.pk])
    assert list(RescoreRequest.objects.values_list("account_id", flat=True)) == [account.pk]


def test_the_sweep_scores_kept_requests_and_forgets_them(redis_down, alice):
    account = make_account(csm=alice)
    services.rescore_requests_remember(account_ids=[account.pk])
    services.score_accounts(account_ids=[account.pk])  # scored before: only the request is new
    tasks.rescore_stale_accounts.run()
    assert HealthScore.objects.filter(account=account).count() == 2
    assert not RescoreRequest.objects.exists()


def test_a_request_kept_again_outlives_a_rescore_that_took_it_before(alice):
    account = make_account(csm=alice)
    services.rescore_requests_remember(account_ids=[account.pk])
    taken, read_at = services.rescore_requests_take()
    services.rescore_requests_remember(account_ids=[account.pk])  # its data changed again
    services.rescore_requests_done(account_ids=taken, before=read_at)
    assert list(RescoreRequest.objects.values_list("account_id", flat=True)) == [account.pk]
