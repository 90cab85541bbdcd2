"""Backtest: score the portfolio as it was on past dates, write nothing, compare with what happened.

For each as-of date, `build_features(as_of)` reads only what was known by the end of that day
(signals that had occurred, people who had not left, decisions taken) over the accounts active
then; the pure scorer scores it in memory and nothing is written to history. The outcomes
recorded later (`Account.outcome` churned, `outcome_on`) are joined on, and
`health.scoring.backtest` computes the figures.
"""

import hashlib
import multiprocessing
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
from django.core.cache import cache
from django.db import connections
from django.db.models import Count, Max, Q

from accounts.models import Account
from health.features import build_features, card_keys
from health.models import Scorecard
from health.scoring import ScorecardSpec
from health.scoring.backtest import as_of_dates, backtest_metrics, warnings_before_churns
from health.scoring.constants import COMPONENTS
from health.services import score_features, scorecards_by_segment
from signals.models import Signal
from signals.selectors import signal_kind_labels

DEFAULT_HORIZON, DEFAULT_EVERY, DEFAULT_DATES = 90, 30, 6
ROW_COLUMNS = [
    "account_id", "as_of", "overall", "rag", *COMPONENTS, "flag_codes", "renewal_date",
]  # fmt: skip


@dataclass(frozen=True)
class BacktestWindow:
    """Which as-of dates to score, and how far after each one a churn counts."""

    start: date
    end: date
    every: int = DEFAULT_EVERY
    horizon: int = DEFAULT_HORIZON

    @classmethod
    def default(cls, today: date, dates: int = DEFAULT_DATES, **given) -> "BacktestWindow":
        """`dates` dates a month apart ending `horizon` days ago, so each date's horizon is over."""
        given = {key: value for key, value in given.items() if value is not None}
        every = given.get("every", DEFAULT_EVERY)
        horizon = given.get("horizon", DEFAULT_HORIZON)
        end = given.get("end", today - timedelta(days=horizon))
        start = given.get("start", end - timedelta(days=every * (dates - 1)))
        return cls(start=start, end=end, every=every, horizon=horizon)

    @property
    def dates(self) -> list[date]:
        return as_of_dates(self.start, self.end, self.every)


def scorecard_spec(scorecard: Scorecard, version=None) -> ScorecardSpec:
    """The spec of a scorecard's live version (or of `version`, say a proposal)."""
    version = version or scorecard.versions.get(number=scorecard.version)
    return ScorecardSpec.from_version(version, signal_kind_labels())


def backtest_cards(scorecard: Scorecard | None = None, spec: ScorecardSpec | None = None):
    """(cards, key): the live scorecards by segment as scoring uses them, with `spec` standing
    in for `scorecard`'s, and the key of the scorecard whose accounts are backtested (None:
    every account, each by its own scorecard)."""
    cards = scorecards_by_segment()
    if scorecard is None:
        return cards, None
    cards[scorecard.segment] = spec or scorecard_spec(scorecard)
    return cards, scorecard.segment


def portfolio_as_of(as_of: date, cards: dict, key: str | None = None) -> pd.DataFrame:
    """The features of every account active on `as_of` (of scorecard `key`, if named), from
    what was known that day."""
    features = build_features(as_of, cards=cards)
    if key is None or features.empty:
        return features
    return features[card_keys(features["segment"], cards) == key]


def score_as_known(features: pd.DataFrame, as_of: date, cards: dict) -> pd.DataFrame:
    """Scores in memory by the given scorecards; never written."""
    if features.empty:
        return pd.DataFrame(columns=ROW_COLUMNS)
    scores = score_features(features, as_of, cards)
    rows = scores[["overall", "rag", *COMPONENTS, "flag_codes"]].copy()
    rows["renewal_date"] = features["renewal_date"].reindex(rows.index)  # the terms then
    rows.insert(0, "as_of", as_of)
    return rows.rename_axis("account_id").reset_index()


def _rows_for_date(as_of: date, cards: dict, key) -> pd.DataFrame:
    return score_as_known(portfolio_as_of(as_of, cards, key), as_of, cards)


def backtest_rows(dates, *, cards: dict, key=None, workers: int = 1) -> pd.DataFrame:
    """One row per account active on each date, scored as known then, with its churn date.

    With `workers` > 1 the dates are scored in forked processes, one date each at a time
    (every date is an independent read of the database)."""
    jobs = [(as_of, cards, key) for as_of in dates]
    if workers > 1 and len(jobs) > 1:
        connections.close_all()  # each forked worker opens its own connection
        with multiprocessing.get_context("fork").Pool(min(workers, len(jobs))) as pool:
            parts = pool.starmap(_rows_for_date, jobs)
    else:
        parts = [_rows_for_date(*job) for job in jobs]
    parts = [part for part in parts if not part.empty]
    rows = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=ROW_COLUMNS)
    return with_outcomes(rows)


def with_outcomes(rows: pd.DataFrame) -> pd.DataFrame:
    """Join on the day each account churned (NaT for accounts that did not)."""
    churned = dict(
        Account.objects.filter(outcome="churned", outcome_on__isnull=False).values_list(
            "pk", "outcome_on"
        )
    )
    rows["churned_on"] = pd.to_datetime(rows["account_id"].map(churned))
    return rows


def backtest_run(
    *, window: BacktestWindow, scorecard: Scorecard | None = None, spec=None, workers: int = 1
) -> dict:
    """The backtest's figures for one scorecard (or the live portfolio) over `window`."""
    cards, key = backtest_cards(scorecard, spec)
    rows = backtest_rows(window.dates, cards=cards, key=key, workers=workers)
    figures = backtest_metrics(rows, horizon=window.horizon, every=window.every)
    figures["as_of_dates"] = [d.isoformat() for d in window.dates]
    return {"scorecard": scorecard.pk if scorecard else None, **figures}


BACKTEST_SECONDS = 24 * 3600


def backtest_data_version(scorecard: Scorecard | None) -> str:
    """What a backtest reads, summarised: any new signal, edited account, recorded outcome or
    scorecard change gives a new value (and so a new cache key)."""
    cards = list(Scorecard.objects.order_by("pk").values_list("pk", "version", "segment"))
    if not any(segment == "" for *_, segment in cards):  # scoring creates the default card
        scorecards_by_segment()
        cards = list(Scorecard.objects.order_by("pk").values_list("pk", "version", "segment"))
    accounts = Account.objects.aggregate(
        n=Count("pk"), edited=Max("updated_at"), churned=Count("pk", filter=Q(outcome="churned"))
    )
    newest_signal = Signal.objects.aggregate(newest=Max("pk"))["newest"]
    return f"{sorted(accounts.items())}|{newest_signal}|{cards}|{scorecard.pk if scorecard else ''}"


def backtest_key(scorecard: Scorecard | None, window: BacktestWindow) -> str:
    inputs = f"{backtest_data_version(scorecard)}|{window}"
    return f"candor:backtest:{hashlib.sha256(inputs.encode()).hexdigest()}"


def backtest_remembered(
    *, window: BacktestWindow, scorecard: Scorecard | None = None, compute: bool = True
) -> dict | None:
    """backtest_run, kept until what it reads changes (a day at most). With `compute` False a
    figure not computed yet is None rather than computed in the request."""
    run = lambda: backtest_run(window=window, scorecard=scorecard)  # noqa: E731
    return _remembered(backtest_key(scorecard, window), run, compute)


def _remembered(key: str, run, compute: bool) -> dict | None:
    """The figures cached under `key` (a day at most), else `run()`'s, cached, when `compute`."""
    figures = cache.get(key)
    if figures is None and compute:
        figures = run()
        cache.set(key, figures, BACKTEST_SECONDS)
    return figures


WARNING_YEAR = 365  # "last year's churns": those of the 365 days before today
WARNING_READINGS = 16  # readings every 30 days, from about 15 months ago to a month ago


def churn_warnings_window(today: date) -> BacktestWindow:
    """Readings a month apart that reach back before the earliest of last year's churns."""
    end = today - timedelta(days=DEFAULT_EVERY)
    return BacktestWindow.default(today, dates=WARNING_READINGS, end=end)


def churn_warnings_run(*, today: date) -> dict:
    """Would Candor have warned before each churn of the last year? Every account scored on
    past dates from what was known then (as the backtest does), each churn of the last
    `WARNING_YEAR` days with the colours it showed 30, 60 and 90 days before it."""
    window = churn_warnings_window(today)
    cards, _ = backtest_cards()
    warnings = warnings_before_churns(backtest_rows(window.dates, cards=cards))
    since = pd.Timestamp(today - timedelta(days=WARNING_YEAR))
    warnings = warnings[pd.to_datetime(warnings["churned_on"]) >= since]
    accounts = Account.objects.in_bulk(list(warnings["account_id"]))
    rows = [
        {**row, "name": accounts[row["account_id"]].name, "arr": float(accounts[row["account_id"]].arr),
         "churned_on": pd.Timestamp(row["churned_on"]).date().isoformat()}
        for row in warnings.to_dict("records")
    ]  # fmt: skip
    rows.sort(key=lambda row: -row["arr"])
    return {
        "since": since.date().isoformat(),
        "as_of_dates": [d.isoformat() for d in window.dates],
        "churned": len(rows),
        "churned_arr": sum(row["arr"] for row in rows),
        "warned_60": sum(1 for row in rows if row["rag_60"] in ("red", "amber")),
        "warned_60_arr": sum(row["arr"] for row in rows if row["rag_60"] in ("red", "amber")),
        "never_warned": sum(1 for row in rows if row["warned_days"] is None),
        "accounts": rows,
    }


def churn_warnings_remembered(*, today: date, compute: bool = True) -> dict | None:
    """churn_warnings_run, kept until what it reads changes (a day at most); None when not
    computed yet and `compute` is False."""
    inputs = f"{backtest_data_version(None)}|{today}"
    key = f"candor:churn-warnings:{hashlib.sha256(inputs.encode()).hexdigest()}"
    return _remembered(key, lambda: churn_warnings_run(today=today), compute)
