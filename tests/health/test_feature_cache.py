"""Today's account-side features read from the feature cache (health.feature_cache) equal the
full computation: on fixed data at every date's edges, kept on an earlier day and read today,
after inserts, updates and deletes of each source table, and (a property test) after random
writes and days on which the cache was last kept."""

from datetime import UTC, datetime, time, timedelta
from itertools import count

import pandas as pd
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from accounts.models import (
    Commitment,
    Decision,
    ObjectiveSignature,
    OnboardingMilestone,
    SharedObjective,
    Stakeholder,
)
from accounts.services import user_create_with_role
from health.feature_cache import CACHED_PARTS
from health.features import build_features, cached_parts_keep
from health.models import FeatureCache
from signals.models import Signal
from tests.factories import make_account, make_stakeholder
from tests.health.test_incremental_features import to_micros

# Each comparison's edges, either side: a window of 180 days, a day's grace, today.
_ids = count()
EDGE_DAYS = [-182, -181, -180, -179, -3, -2, -1, 0, 1, 2, 3, 7, 8, 90, 179, 180, 181]


def today():
    return timezone.now().date()


def day(offset: int):
    return today() + timedelta(days=offset)


def cached_features():
    with transaction.atomic():
        return build_features(today())


def assert_cache_exact():
    """The run's read (kept rows, the rest computed and kept) equals the tables' own, twice:
    the second read finds every row kept."""
    full = to_micros(build_features(today(), incremental=False)).sort_index()
    for _ in range(2):
        cached = to_micros(cached_features()).sort_index()
        pd.testing.assert_frame_equal(cached, full, check_like=True)


def milestones(account, offset: int) -> None:
    OnboardingMilestone.objects.bulk_create([
        OnboardingMilestone(account=account, kind="task", name="Kickoff call",
                            completed_on=day(offset)),
        OnboardingMilestone(account=account, kind="outcome", name="First ROI report",
                            target_on=day(offset), proof_signal="roi_report_generated"),
        OnboardingMilestone(account=account, kind="outcome", name="Colleagues invited",
                            target_on=day(offset + 30), completed_on=day(offset)),
    ])  # fmt: skip


def people(account, offset: int) -> None:
    champion = make_stakeholder(account=account, role="champion", active=False, left_on=day(offset))
    make_stakeholder(account=account, role="exec_sponsor", last_engaged_on=day(offset))
    objective = SharedObjective.objects.create(
        account=account, outcome="Close the books in 3 days",
        last_reviewed_on=day(offset - 90), review_cadence_days=90,
    )  # fmt: skip
    SharedObjective.objects.filter(pk=objective.pk).update(created_on=day(offset))
    ObjectiveSignature.objects.create(
        objective=objective, stakeholder=champion, signed_on=day(offset)
    )


def promises(account, offset: int) -> None:
    Decision.objects.create(
        account=account, summary="Roll out to finance", decided_on=day(offset),
        reopened_on=day(offset + 3),
    )  # fmt: skip
    Commitment.objects.create(
        account=account, title="SSO", told_customer="In Q3", product_status="planned",
        made_on=day(offset), due_on=day(offset),
    )  # fmt: skip


@pytest.fixture
def portfolio(alice):
    start = today() - timedelta(days=400)
    accounts = []
    for offset in EDGE_DAYS:
        account = make_account(csm=alice, contract_start=start)
        milestones(account, offset)
        people(account, offset)
        promises(account, offset)
        accounts.append(account)
    for account, offset in ((accounts[3], 1), (accounts[10], -1)):  # proofs: ahead, yesterday
        Signal.objects.create(
            account=account, external_id=f"roi-{next(_ids)}", kind="roi_report_generated",
            occurred_at=datetime.combine(day(offset), time(9), tzinfo=UTC),
        )  # fmt: skip
    return accounts


@pytest.mark.django_db
def test_cached_features_equal_the_full_computation(portfolio):
    assert_cache_exact()


@pytest.mark.django_db
@pytest.mark.parametrize("days", [1, 2, 3, 7, 8, 30, 91, 180, 181, 182, 400])
def test_features_kept_on_an_earlier_day_read_today_equal_the_full_computation(portfolio, days):
    """The day rolls over: rows whose dates met a comparison since are computed again."""
    cached_parts_keep(today() - timedelta(days=days))
    assert_cache_exact()


@pytest.mark.django_db
def test_a_second_run_reads_kept_rows_not_the_source_tables(portfolio):
    cached_features()
    with CaptureQueriesContext(connection) as queries:
        cached_features()
    read = [query["sql"] for query in queries.captured_queries]
    assert any("health_featurecache" in sql for sql in read)
    grouped = [sql for sql in read if "GROUP BY" in sql]
    for table in ("accounts_onboardingmilestone", "accounts_decision", "accounts_commitment"):
        assert not [sql for sql in grouped if table in sql]
    assert FeatureCache.objects.filter(recipe__gt="").count() == len(portfolio)


@pytest.mark.django_db
def test_a_rescore_of_changed_accounts_reads_their_kept_rows(portfolio):
    """A few accounts rescored after their signals changed: their account-side features are
    read as kept, and equal the tables' own."""
    ids = [account.pk for account in portfolio[2:6]]
    cached_features()
    full = to_micros(build_features(today(), ids, incremental=False))
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        few = to_micros(build_features(today(), ids))
    pd.testing.assert_frame_equal(few, full, check_like=True)
    read = [query["sql"] for query in queries.captured_queries]
    assert not [sql for sql in read if "accounts_onboardingmilestone" in sql and "GROUP BY" in sql]


WRITES = {
    "milestone completed": lambda a: OnboardingMilestone.objects.filter(
        account=a, kind="outcome"
    ).update(completed_on=day(-1)),
    "milestone deleted": lambda a: OnboardingMilestone.objects.filter(account=a).delete(),
    "milestone added": lambda a: milestones(a, -5),
    "stakeholder left": lambda a: Stakeholder.objects.filter(account=a).update(
        active=False, left_on=day(-2)
    ),
    "stakeholder deleted": lambda a: Stakeholder.objects.filter(account=a).delete(),
    "signature withdrawn": lambda a: ObjectiveSignature.objects.filter(
        objective__account=a
    ).delete(),
    "objective reviewed": lambda a: SharedObjective.objects.filter(account=a).update(
        last_reviewed_on=day(0)
    ),
    "decision reopened": lambda a: Decision.objects.filter(account=a).update(reopened_on=day(-1)),
    "commitment shipped": lambda a: Commitment.objects.filter(account=a).update(
        product_status="shipped"
    ),
    "commitment deleted": lambda a: Commitment.objects.filter(account=a).delete(),
    "proof received": lambda a: Signal.objects.create(
        account=a,
        external_id=f"roi-{next(_ids)}",
        kind="roi_report_generated",
        occurred_at=timezone.now() - timedelta(days=3),
    ),  # fmt: skip
}


@pytest.mark.django_db
@pytest.mark.parametrize("write", list(WRITES))
def test_a_write_after_the_rows_were_kept_is_seen(portfolio, write):
    cached_features()
    for account in portfolio[4:9]:
        WRITES[write](account)
    assert FeatureCache.objects.filter(changed_xid__isnull=False).exists()
    assert_cache_exact()


@pytest.mark.django_db
def test_an_earlier_first_signal_is_seen(portfolio):
    """An ingest that moves an account's first signal of a kind back stamps the account."""
    cached_features()
    Signal.objects.create(
        account=portfolio[3], external_id="roi-0", kind="roi_report_generated",
        occurred_at=timezone.now() - timedelta(days=10),
    )  # fmt: skip
    assert FeatureCache.objects.get(account=portfolio[3]).changed_xid is not None
    assert_cache_exact()


@pytest.mark.django_db
def test_rows_kept_by_another_release_are_computed_again(portfolio):
    cached_features()
    kept = FeatureCache.objects.filter(account__in=portfolio)
    kept.update(lines=[None] * len(CACHED_PARTS), recipe="an older release")
    assert_cache_exact()
    assert not kept.filter(recipe="an older release").exists()


@pytest.mark.django_db
def test_rows_kept_for_a_later_day_are_not_read_today(portfolio):
    """A clock set back (a test, a restored database) never reads tomorrow's rows."""
    cached_parts_keep(today() + timedelta(days=200))
    assert_cache_exact()


@pytest.mark.django_db
def test_a_past_date_never_reads_the_cache(portfolio):
    cached_features()
    with CaptureQueriesContext(connection) as queries:
        build_features(today() - timedelta(days=3))
    assert "health_featurecache" not in " ".join(q["sql"] for q in queries.captured_queries)


edit = st.tuples(st.sampled_from(list(WRITES)), st.integers(0, 4))
operation = st.one_of(
    st.tuples(st.just("write"), edit),
    st.tuples(st.just("keep"), st.sampled_from([1, 2, 3, 8, 181, 182])),
    st.tuples(st.just("read"), st.just(0)),
)


class FeatureCacheProperty(TestCase):
    """Random writes to every source table, reads that keep rows, and days on which rows were
    last kept; then today's cached features against the full computation."""

    def setUp(self):
        alice = user_create_with_role(username="alice", role="csm", password="x-x-x-x-x-x")
        start = today() - timedelta(days=400)
        self.accounts = [make_account(csm=alice, contract_start=start) for _ in range(5)]
        for account, offset in zip(self.accounts, [-181, -2, 0, 1, 180], strict=True):
            milestones(account, offset)
            people(account, offset)
            promises(account, offset)

    def apply(self, op):
        name, arg = op
        if name == "write":
            write, n = arg
            WRITES[write](self.accounts[n])
        elif name == "keep":
            cached_parts_keep(today() - timedelta(days=arg))
        else:
            cached_features()

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(operation, min_size=1, max_size=8))
    def test_cached_features_equal_the_full_computation(self, ops):
        for op in ops:
            self.apply(op)
        assert_cache_exact()
