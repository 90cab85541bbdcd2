"""A small rescore (a few changed accounts) pays for little beyond its accounts: the scorecards'
records asked in one statement, the summaries checked once, the default scorecard read, not
re-created, the parts grouped by account read for a list of accounts in one statement, and the
scorer's fixed pandas costs cut, all without changing a feature or a score."""

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from django.db.models import Count, Max
from django.utils import timezone

from accounts.models import (
    Account,
    Commitment,
    Decision,
    OnboardingMilestone,
    SharedObjective,
    Stakeholder,
)
from health import features as features_module
from health.features import (
    AccountRange,
    GroupedSource,
    build_features,
    features_prepare,
    scoped,
    scorecard_records,
    shared_value_kinds,
    value_finish,
    value_per_kind,
    value_rows,
)
from health.frames import exists_each, fetch_joined
from health.hooks import feature_sources
from health.models import COMPONENTS, Scorecard
from health.overrides import override_features
from health.scoring import Columns, derive, score_frame
from health.scoring.components import clip, ramp, weighted
from health.services import score_features, scorecards_by_segment
from signals.models import SignalKindDef, SignalSummary
from tests.factories import days_ago, make_account, make_signal, make_stakeholder

pytestmark = pytest.mark.django_db


def today():
    return timezone.now().date()


def test_exists_each_answers_every_question_in_one_statement(alice, django_assert_num_queries):
    make_account(csm=alice, segment="enterprise")
    questions = [
        Account.objects.filter(segment="enterprise"),
        Account.objects.filter(segment="smb"),
        Account.objects.filter(pk__in=[]),  # can match nothing: never sent to the database
        Stakeholder.objects.all(),
    ]
    with django_assert_num_queries(1):
        assert exists_each(questions) == [True, False, False, False]


def test_exists_each_of_nothing_asks_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert exists_each([]) == []


@pytest.fixture
def invoice_paid(db):
    return SignalKindDef.objects.create(code="invoice_paid", label="Invoice paid", category="value")


def test_scorecard_records_answer_each_scorecard_for_its_own_accounts(alice, invoice_paid):
    Scorecard.objects.create(name="Enterprise", segment="enterprise", value_kinds=["invoice_paid"])
    big, small = make_account(csm=alice, segment="enterprise"), make_account(csm=alice)
    make_signal(account=big, kind="invoice_paid", occurred_at=timezone.now() - timedelta(days=3))
    make_signal(account=small, kind="roi_report_generated")
    make_stakeholder(account=big, role="exec_sponsor", last_engaged_on=days_ago(5))
    records = scorecard_records(today() - timedelta(days=1), scorecards_by_segment())
    assert records["value_kinds_seen"] == {"enterprise": True, "": False}, "today's is not yet"
    assert records["exec_touch_recorded"] == {"enterprise": True, "": False}
    assert records["objectives_recorded"] == {"enterprise": False, "": False}


@pytest.fixture
def signalled(alice):
    accounts = [make_account(csm=alice, contract_start=days_ago(400)) for _ in range(3)]
    for n, account in enumerate(accounts):
        for days in (1, 20, 45, 100):
            make_signal(
                account=account, kind="login", actor=f"p{n}",
                occurred_at=timezone.now() - timedelta(days=days + n),
            )  # fmt: skip
    return [account.pk for account in accounts]


def test_prepared_features_equal_the_checked_ones(signalled):
    features_prepare(today(), signalled)
    prepared = build_features(today(), signalled, prepared=True)
    pd.testing.assert_frame_equal(prepared, build_features(today(), signalled))


def test_a_summary_gone_after_the_prepare_is_computed_from_the_rollups(signalled):
    expected = build_features(today(), signalled, incremental=False)
    features_prepare(today(), signalled)
    SignalSummary.objects.filter(account_id=signalled[0]).delete()
    prepared = build_features(today(), signalled, prepared=True)
    columns = ["activity_30d", "activity_prev_30d", "active_users_30d", "has_any_signal"]
    pd.testing.assert_frame_equal(prepared[columns], expected[columns])
    assert prepared["last_signal_at"].notna().all()


@pytest.mark.parametrize(
    "values, full_at, zero_at, expected",
    [
        ([0, 30, 60, 90], 60, 0, [0, 50, 100, 100]),
        ([3, 16.5, 30, 40], 3, 30, [100, 50, 0, 0]),
        ([-5, np.nan, 0.3], 0.6, 0, [0, np.nan, 50]),
    ],
)
def test_ramp_scores_a_series_as_the_arithmetic_says(values, full_at, zero_at, expected):
    series = pd.Series(values, index=[10, 11, 12, 13][: len(values)], name="days")
    ramped = ramp(series, full_at, zero_at)
    pd.testing.assert_series_equal(
        ramped, pd.Series(expected, index=series.index, name="days", dtype=float)
    )
    np.testing.assert_allclose(ramp(np.array(values, dtype=float), full_at, zero_at), expected)
    assert ramp(float(values[0]), full_at, zero_at) == expected[0]


@pytest.mark.parametrize(
    ("lower", "upper"), [(0, None), (1, None), (0, 2), (None, 100), (0.5, 0.5)]
)
def test_clip_of_numbers_is_what_series_clip_gives(lower, upper):
    values = [-3.0, -0.0, 0.0, 0.25, 1.0, 2.5, np.nan, 150.0]
    expected = pd.Series(values).clip(lower=lower, upper=upper).to_numpy()
    clipped = clip(np.array(values), lower, upper)
    np.testing.assert_array_equal(clipped, expected)
    assert list(np.signbit(clipped)) == list(np.signbit(expected)), "-0.0 stays -0.0"


def series_weighted(parts):
    """The weighted mean as the scorer computed it on pandas Series: the reference."""
    values = pd.concat([part for part, _ in parts], axis=1)
    weights = np.array([w for _, w in parts], dtype=float)
    present = values.notna().to_numpy()
    total = (values.fillna(0).to_numpy() * weights).sum(axis=1)
    norm = (present * weights).sum(axis=1)
    return np.where(norm > 0, total / np.where(norm > 0, norm, 1), np.nan)


@pytest.mark.parametrize("seed", range(5))
def test_weighted_on_numbers_adds_as_the_series_version_did_to_the_last_bit(seed):
    rng = np.random.default_rng(seed)
    arrays = [rng.uniform(0, 100, 500) for _ in range(5)]
    for values in arrays:
        values[rng.random(500) < 0.3] = np.nan
    parts = list(zip(arrays, [0.3, 0.3, 0.2, 0.1, 0.1], strict=True))
    expected = series_weighted([(pd.Series(values), w) for values, w in parts])
    assert weighted(parts).tobytes() == expected.tobytes()


def test_columns_read_a_frames_column_on_first_use_beside_the_derived_ones():
    frame = pd.DataFrame({"seats": [3.0, 5.0], "segment": ["smb", "smb"]})
    columns = Columns(frame, {"tenure_days": np.array([10.0, 20.0])})
    assert "seats" in columns and "tenure_days" in columns and "renewals" not in columns
    assert dict.keys(columns) == {"tenure_days"}
    np.testing.assert_array_equal(columns["seats"], [3.0, 5.0])
    assert dict.keys(columns) == {"tenure_days", "seats"}, "kept once read"


def test_columns_read_aware_timestamps_as_numpy_datetimes():
    stamps = pd.to_datetime(["2026-05-30T23:59:59Z", None], utc=True)
    columns = Columns(pd.DataFrame({"last_signal_at": stamps}))
    assert columns["last_signal_at"].dtype.kind == "M"
    assert pd.isna(columns["last_signal_at"]).tolist() == [False, True]


def test_one_scorecard_scores_the_frame_as_the_grouped_path_did(alice, signalled):
    features = build_features(today(), signalled)
    cards = scorecards_by_segment()
    scores = score_features(features, today(), cards)
    by_hand = score_frame(features, cards[""], today())
    pd.testing.assert_frame_equal(
        scores.drop(columns=["scorecard_id", "scorecard_version"]), by_hand
    )


def test_two_scorecards_each_score_their_own_accounts(alice, signalled):
    enterprise = Scorecard.objects.create(name="Enterprise", segment="enterprise")
    Account.objects.filter(pk=signalled[1]).update(segment="enterprise")
    scores = score_features(build_features(today(), signalled), today())
    assert list(scores.index) == [signalled[0], signalled[2], signalled[1]]
    assert scores.loc[signalled[1], "scorecard_id"] == enterprise.pk
    assert scores.loc[signalled[0], "scorecard_id"] != enterprise.pk


def test_the_default_scorecard_is_created_once_then_only_read(db, django_assert_num_queries):
    first = scorecards_by_segment()
    assert first[""].scorecard_id == Scorecard.objects.get(segment="").pk
    with django_assert_num_queries(2):  # the live versions and the kinds' labels
        again = scorecards_by_segment()
    assert again == first


def test_fetch_joined_reads_each_grouped_query_for_the_accounts_asked(alice):
    first, second, third = (make_account(csm=alice) for _ in range(3))
    make_stakeholder(account=first, role="champion")
    make_stakeholder(account=first, role="user")
    make_stakeholder(account=third, role="exec_sponsor", last_engaged_on=days_ago(3))
    people = Stakeholder.objects.order_by().values("account_id").annotate(people=Count("id"))
    sponsors = Stakeholder.objects.order_by().filter(role="exec_sponsor").values("account_id")
    sponsors = sponsors.annotate(engaged=Max("last_engaged_on"))
    ids = [third.pk, first.pk, second.pk]  # in the order asked
    counted, engaged = fetch_joined([people, sponsors], ids)
    assert list(counted.index) == ids == list(engaged.index)
    assert counted["people"].tolist()[:2] == [1, 2] and np.isnan(counted["people"].iloc[2])
    assert engaged["engaged"].tolist()[0] == pd.Timestamp(days_ago(3))
    assert engaged["engaged"].isna().tolist() == [False, True, True]
    assert engaged.columns.tolist() == ["engaged"]


@pytest.fixture
def varied(alice):
    """Accounts with and without each grouped part's rows: people (a champion gone), decisions,
    commitments, milestones, an objective and survey answers."""
    start = days_ago(400)
    plain, busy, quiet = (make_account(csm=alice, contract_start=start) for _ in range(3))
    make_stakeholder(account=busy, role="champion", active=False, left_on=days_ago(20))
    make_stakeholder(account=busy, role="exec_sponsor", last_engaged_on=days_ago(3))
    make_stakeholder(account=plain, role="user")
    Decision.objects.create(account=busy, summary="EMEA", decided_on=days_ago(9))
    Commitment.objects.create(account=busy, title="SSO", told_customer="Q3")
    SharedObjective.objects.create(account=busy, outcome="ROI", last_reviewed_on=days_ago(200))
    OnboardingMilestone.objects.create(
        account=busy, kind="task", name="Kickoff call held", completed_on=days_ago(300)
    )
    make_signal(account=busy, kind="confidence_survey", value="7")
    make_signal(account=plain, kind="login")
    return [plain.pk, busy.pk, quiet.pk]


def test_a_list_of_accounts_reads_the_features_a_range_reads(varied):
    as_of = today() - timedelta(days=1)
    for day in (today(), as_of):
        listed = build_features(day, varied)
        ranged = build_features(day, AccountRange(min(varied), max(varied))).loc[varied]
        pd.testing.assert_frame_equal(listed, ranged)
    row = build_features(today(), varied).loc[varied[1]]
    assert (row["champion_left"], row["has_objective"], row["decisions"]) == (True, True, 1)


def test_no_override_in_force_is_an_empty_frame_of_the_override_columns(alice):
    account = make_account(csm=alice)
    frame = override_features(today(), [account.pk])
    assert frame.empty and frame.index.name == "account_id"
    assert list(frame.columns) == [f"override_{name}" for name in COMPONENTS]
    assert set(frame.dtypes) == {np.dtype(float)}


def test_one_set_of_value_kinds_is_read_per_account_as_the_per_kind_path_reads_it(alice):
    recent, old, none = (make_account(csm=alice, contract_start=days_ago(400)) for _ in range(3))
    for account, days in ((recent, 10), (recent, 200), (old, 150)):
        make_signal(
            account=account, kind="roi_report_generated",
            occurred_at=timezone.now() - timedelta(days=days),
        )  # fmt: skip
    ids = [recent.pk, old.pk, none.pk]
    cards = scorecards_by_segment()
    card_of = pd.Series("", index=pd.Index(ids, name="account_id"))
    kinds = shared_value_kinds(cards)
    assert kinds == sorted(cards[""].value_kinds)
    per_account = fetch_joined([value_rows(today(), ids, kinds)], ids)[0]
    per_kind = value_per_kind(today(), ids, card_of, cards)
    first = value_finish(per_account, card_of, {"": True})
    second = value_finish(per_kind, card_of, {"": True})
    pd.testing.assert_series_equal(first["first_value_at"], second["first_value_at"])
    assert first["value_events_90d"].fillna(0).tolist() == [1, 0, 0]
    assert second["value_events_90d"].fillna(0).tolist() == [1, 0, 0]


def test_scorecards_counting_different_value_kinds_share_none(invoice_paid):
    Scorecard.objects.create(name="Enterprise", segment="enterprise", value_kinds=["invoice_paid"])
    assert shared_value_kinds(scorecards_by_segment()) is None


def people_rows(as_of, restrict):
    return (
        scoped(Stakeholder.objects.all(), restrict)
        .values("account_id")
        .annotate(people=Count("id"))
    )


def people_finish(frame, as_of):
    return (frame["people"] * 10).rename("people_x10").to_frame()


def test_a_grouped_source_is_read_with_the_grouped_parts_and_alone_alike(varied, monkeypatch):
    source = GroupedSource(people_rows, people_finish)
    monkeypatch.setitem(feature_sources, "people", source)
    listed = build_features(today(), varied)
    ranged = build_features(today(), AccountRange(min(varied), max(varied))).loc[varied]
    pd.testing.assert_frame_equal(listed, ranged)
    assert listed["people_x10"].fillna(0).tolist() == [10, 20, 0]
    alone = source(today(), varied).reindex(varied)
    pd.testing.assert_series_equal(alone["people_x10"], listed["people_x10"])


def test_any_of_a_list_is_one_array_parameter_and_reads_as_in(alice):
    first, second, third = (make_account(csm=alice) for _ in range(3))
    asked = [first.pk, third.pk]
    rows = Account.objects.filter(pk__any=asked)
    sql, params = rows.query.sql_with_params()
    assert "= ANY(%s)" in sql and params[-1] == asked
    assert set(rows) == set(Account.objects.filter(pk__in=asked)) == {first, third}
    assert not Account.objects.filter(pk__any=[]).exists()
    for account in (first, second):
        make_stakeholder(account=account)
    people = Stakeholder.objects.filter(account_id__any=asked)
    assert [person.account_id for person in people] == [first.pk]


def pandas_days(later, earlier):
    """Whole days as pandas counts them (Timedelta.days, rounded down): the reference."""
    return (pd.to_datetime(later) - pd.to_datetime(earlier)).dt.days.astype(float)


def test_derived_day_counts_are_pandas_whole_days_rounded_down():
    as_of = date(2026, 6, 1)
    day = pd.Series(pd.Timestamp(as_of), index=[1, 2, 3, 4])
    stamps = ["2026-05-30T23:59:59Z", None, "1969-12-31T12:00:00Z", "2026-06-03T01:00:00Z"]
    dates = [date(2026, 5, 1), None, date(1969, 12, 31), date(2026, 7, 1)]
    frame = pd.DataFrame(
        {
            "contract_start": pd.to_datetime([date(2024, 1, 1)] * 3 + [date(2026, 5, 20)]),
            "kickoff_on": pd.to_datetime(dates),
            "first_value_at": pd.to_datetime(stamps, utc=True),
            "last_signal_at": pd.to_datetime(stamps, utc=True),
            "renewal_date": pd.to_datetime([*dates[:3], date(9999, 12, 31)]),  # evergreen
            "last_renewed_on": pd.to_datetime(dates),
            "last_exec_meeting_at": pd.to_datetime(stamps[::-1], utc=True),
            "exec_last_engaged_on": pd.to_datetime(dates),
            "arrived_on": pd.to_datetime([None, date(2025, 1, 1), None, date(2026, 5, 25)]),
        },
        index=day.index,
    )
    derived = derive(frame, as_of)
    midnight = pd.to_datetime(frame["last_signal_at"]).dt.tz_localize(None).dt.normalize()
    kickoff = frame["kickoff_on"].fillna(frame["contract_start"])
    touched = pd.concat(
        [frame["last_exec_meeting_at"].dt.tz_localize(None).dt.normalize(),
         frame["exec_last_engaged_on"]], axis=1,
    ).max(axis=1)  # fmt: skip
    start = pd.concat([frame["contract_start"], frame["arrived_on"]], axis=1).max(axis=1)
    expected = {
        "days_since_kickoff": pandas_days(day, kickoff),
        "time_to_value_days": pandas_days(midnight, kickoff),
        "days_since_activity": pandas_days(day, midnight),
        "days_to_renewal": pandas_days(frame["renewal_date"], day),
        "days_since_renewed": pandas_days(day, frame["last_renewed_on"]),
        "days_since_exec_touch": pandas_days(day, touched),
        "tenure_days": pandas_days(day, frame["contract_start"]),
        "days_since_arrival": pandas_days(day, start),
    }
    for column, values in expected.items():
        pd.testing.assert_series_equal(derived[column], values, check_names=False, obj=column)
    assert derived["days_since_activity"].tolist()[:3] == [
        2.0,
        pytest.approx(np.nan, nan_ok=True),
        20606.0,
    ]


def test_absent_parts_fill_as_zero_counts_default_flags_and_missing_measures():
    frame = pd.DataFrame(
        {
            "seats": [10, 20], "handoff_missing": [0, 1], "deviating_terms": [2, 0],
            "activity_30d": [5, np.nan], "csm_sentiment": pd.Series([None, 50.0], dtype=object),
            "champion_left": pd.Series([True, np.nan], dtype=object),
            "objective_review_overdue": pd.Series([np.nan, False], dtype=object),
            "kickoff_on": pd.to_datetime([None, "2026-01-05"]),
        }
    )  # fmt: skip
    filled = features_module._fill(frame)
    assert filled["activity_30d"].tolist() == [5.0, 0.0]
    assert filled["decisions"].tolist() == [0.0, 0.0], "a part with no column counts none"
    assert filled["csm_sentiment"].isna().tolist() == [True, False]
    assert filled["champion_left"].tolist() == [True, False]
    assert filled["objective_review_overdue"].tolist() == [True, False], "overdue unless known"
    assert filled["support_recorded"].tolist() == [True, True]
    assert filled["last_signal_at"].isna().all() and filled["kickoff_on"].notna().tolist() == [
        False,
        True,
    ]
    counts = ["seats", "activity_30d", "decisions", "csm_sentiment", "confidence_mean"]
    assert set(filled[counts].dtypes) == {np.dtype(float)}
    assert filled["champion_left"].dtype == bool
