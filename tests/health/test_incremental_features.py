"""Today's features read from the per-account summaries equal the full computation from the
rollups: on fixed data at each window's edges, after updates, deletes and rebuilds, after the
day rolls over, and (a property test) after random ingests, updates and deletes, for today and
for past dates."""

from datetime import UTC, datetime, time, timedelta
from itertools import count

import pandas as pd
import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from accounts.services import user_create_with_role
from health.features import (
    any_signal,
    build_features,
    signal_aggregates,
    signal_summaries,
)
from signals.models import Signal, SignalSummary
from signals.rollups import rollups_rebuild
from signals.services import signals_remove
from signals.summaries import signal_summaries_refresh
from tests.factories import make_account

SIGNAL_COLUMNS = [
    "last_signal_at", "activity_30d", "activity_prev_30d", "invites_90d", "last_exec_meeting_at",
    "upsell_accepted_180d", "upsell_declined_180d", "active_users_30d", "features_90d",
]  # fmt: skip
KINDS = [
    "login", "feature_used", "colleague_invited", "upsell_call_accepted", "upsell_call_declined",
    "exec_meeting", "report_generated",
]  # fmt: skip
# Each window's edges, either side, and a day after today (seen ahead).
EDGE_DAYS = [-1, 0, 1, 29, 30, 31, 59, 60, 61, 89, 90, 91, 179, 180, 181, 400]
_ids = count()


def today():
    return timezone.now().date()


def at(days_ago: int, hour: int = 12):
    return datetime.combine(today() - timedelta(days=days_ago), time(hour), tzinfo=UTC)


def signal(account, kind, days_ago, hour=12, actor="ana", value="reports") -> Signal:
    return Signal(
        account=account, external_id=f"e-{next(_ids)}", kind=kind,
        occurred_at=at(days_ago, hour), actor=actor, value=value,
    )  # fmt: skip


def ingest(*signals) -> None:
    """One INSERT statement, as the API's batches and imports write them."""
    Signal.objects.bulk_create(signals)


def to_micros(frame: pd.DataFrame) -> pd.DataFrame:
    """Times at one resolution: pandas reads whole seconds as seconds, the rest as micros."""
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.DatetimeTZDtype):
            frame[column] = frame[column].astype("datetime64[us, UTC]")
    return frame


def assert_today_exact():
    incremental = to_micros(build_features(today()))
    full = to_micros(build_features(today(), incremental=False))
    pd.testing.assert_frame_equal(incremental, full, check_like=True)


def summaries_at(day, ids) -> pd.DataFrame:
    return signal_summaries(day, None, ids)[[*SIGNAL_COLUMNS, "has_any_signal"]]


def computed_at(day, ids) -> pd.DataFrame:
    """The rollup path's signal windows of `day`, shaped as the summaries give them."""
    frame = signal_aggregates(day, None, ids).reindex(ids)
    for column in SIGNAL_COLUMNS:
        if column not in frame:
            frame[column] = pd.NaT if column.endswith("_at") else 0
    counts = [c for c in SIGNAL_COLUMNS if not c.endswith("_at")]
    frame[counts] = frame[counts].fillna(0)
    frame["has_any_signal"] = any_signal(day, None, frame["last_signal_at"])
    return frame[[*SIGNAL_COLUMNS, "has_any_signal"]]


def assert_summaries_exact(day, ids):
    mine, theirs = summaries_at(day, ids).sort_index(), computed_at(day, ids).sort_index()
    for column in SIGNAL_COLUMNS:
        if column.endswith("_at"):
            mine[column] = pd.to_datetime(mine[column], utc=True).astype("datetime64[us, UTC]")
            theirs[column] = pd.to_datetime(theirs[column], utc=True).astype("datetime64[us, UTC]")
        else:
            mine[column], theirs[column] = mine[column].astype(float), theirs[column].astype(float)
    pd.testing.assert_frame_equal(mine, theirs, check_names=False)


@pytest.fixture
def accounts(alice):
    return [make_account(csm=alice, contract_start=today() - timedelta(days=500)) for _ in "abc"]


@pytest.fixture
def signalled(accounts):
    """Signals of every kind on each window's edges, for two of the three accounts."""
    ingest(*[
        signal(account, kind, days, hour=(3 * days) % 24, actor=f"p{days % 4}",
               value=f"f{days % 3}")
        for account in accounts[:2] for kind in KINDS for days in EDGE_DAYS
    ])  # fmt: skip
    return accounts


@pytest.mark.django_db
def test_todays_features_from_summaries_equal_the_full_computation(signalled):
    assert_today_exact()


@pytest.mark.django_db
def test_scoring_today_reads_one_summary_row_per_account(signalled):
    build_features(today())
    assert set(SignalSummary.objects.values_list("as_of", flat=True)) == {today()}
    assert SignalSummary.objects.count() == len(signalled)


@pytest.mark.django_db
def test_ingest_into_existing_summaries_keeps_them_exact(signalled):
    build_features(today())
    ingest(*[signal(signalled[i], kind, 0, actor="new") for i in (0, 2) for kind in KINDS])
    assert_today_exact()


@pytest.mark.django_db
def test_a_large_statement_after_a_small_one_in_one_session_keeps_summaries_exact(signalled):
    """The day-update trigger's DELETE is planned at each call: a plan kept from the small
    statement (a few days) was a nested loop over the large one's old and new days."""
    build_features(today())
    ingest(signal(signalled[0], "login", 1, actor="first"))  # one day changed
    ingest(*[signal(signalled[i % 2], KINDS[i % len(KINDS)], days, hour=i % 24, actor=f"n{i}")
             for i in range(300) for days in EDGE_DAYS[i % 4 :: 4]])  # fmt: skip
    assert_today_exact()


@pytest.mark.django_db
def test_moved_and_deleted_signals_keep_summaries_exact(signalled):
    build_features(today())
    latest = Signal.objects.filter(account=signalled[0]).order_by("-occurred_at")
    Signal.objects.filter(pk=latest[1].pk).update(occurred_at=at(45))
    Signal.objects.filter(pk=latest[2].pk).delete()
    signals_remove(keys=[(s.account_id, s.external_id) for s in latest[3:6]])
    assert_today_exact()


@pytest.mark.django_db
def test_deleting_an_accounts_latest_signal_recomputes_its_summary(signalled):
    build_features(today())
    Signal.objects.filter(account=signalled[1], occurred_at__gte=at(1, 0)).delete()
    assert_today_exact()


@pytest.mark.django_db
def test_rebuilt_rollups_leave_summaries_to_be_computed_anew(signalled):
    build_features(today())
    rollups_rebuild()
    assert not SignalSummary.objects.exists()
    assert_today_exact()


@pytest.mark.django_db
@pytest.mark.parametrize("days", [1, 3, 7, 12])
def test_summaries_of_an_earlier_day_move_to_today_exactly(signalled, days):
    """The day rolls over without ingest: windows slide by what their edges cross."""
    ids = [a.pk for a in signalled]
    signal_summaries_refresh(as_of=today() - timedelta(days=days))
    ingest(signal(signalled[0], "login", days + 1, actor="late"), signal(signalled[2], "login", 0))
    assert_today_exact()
    assert_summaries_exact(today(), ids)


@pytest.mark.django_db
@pytest.mark.parametrize("days", [0, 1, 30, 61, 200])
def test_summaries_stood_at_a_past_date_equal_its_full_computation(signalled, days):
    assert_summaries_exact(today() - timedelta(days=days), [a.pk for a in signalled])


operation = st.one_of(
    st.tuples(
        st.just("ingest"),
        st.lists(
            st.tuples(
                st.integers(0, 2),
                st.sampled_from(KINDS),
                st.one_of(st.sampled_from(EDGE_DAYS), st.integers(-1, 200)),
                st.integers(0, 23),
                st.sampled_from(["ana", "bo", "cy"]),
                st.sampled_from(["reports", "export", ""]),
            ),  # fmt: skip
            min_size=1,
            max_size=6,
        ),
    ),
    st.tuples(st.just("move"), st.integers(0, 50), st.integers(-1, 200)),
    st.tuples(st.just("delete"), st.integers(0, 50)),
    st.tuples(st.just("stand"), st.integers(0, 10)),
)


class IncrementalFeaturesProperty(TestCase):
    """Random ingests, moves, deletes and days on which the summaries were last brought up to
    date; then today's features and a past date's summaries against the full computation."""

    def setUp(self):
        alice = user_create_with_role(username="alice", role="csm", password="x-x-x-x-x-x")
        start = today() - timedelta(days=500)
        self.accounts = [make_account(csm=alice, contract_start=start) for _ in range(3)]

    def apply(self, op):
        name, *args = op
        existing = list(Signal.objects.order_by("pk").values_list("pk", flat=True))
        if name == "ingest":
            ingest(*[
                signal(self.accounts[a], kind, days, hour, actor, value)
                for a, kind, days, hour, actor, value in args[0]
            ])  # fmt: skip
        elif name == "move" and existing:
            pk = existing[args[0] % len(existing)]
            Signal.objects.filter(pk=pk).update(occurred_at=at(args[1], 5))
        elif name == "delete" and existing:
            Signal.objects.filter(pk=existing[args[0] % len(existing)]).delete()
        elif name == "stand":
            signal_summaries_refresh(as_of=today() - timedelta(days=args[0]))

    @settings(
        max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )  # fmt: skip
    @given(st.lists(operation, min_size=1, max_size=8), st.integers(0, 200))
    def test_incremental_features_equal_the_full_computation(self, ops, past):
        for op in ops:
            self.apply(op)
        assert_today_exact()
        assert_summaries_exact(today() - timedelta(days=past), [a.pk for a in self.accounts])
