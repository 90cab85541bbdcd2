"""The features frame: one row per account, built with grouped queries (never one per account).

Everything is cut at `as_of`: only signals that occurred by the end of that day, decisions taken
by then, people who had not yet left, so a past date is scored from what was known at the time.

Scoring today (the nightly rescore, a changed account's rescore) reads the signal windows from
the per-account summaries (`signals.summaries`): one row per account, brought to today by reading
only the rollup rows of the days that enter or leave a window, and kept right at ingest by
triggers. A past date (backtests, backfilled history) reads the windows from the daily rollups,
exact for any date; the summaries serve only today, because keeping them for every date would
be the rollups again. Both paths give the same features for today (tests/health/
test_incremental_features.py). `bench_features` times both, and the nightly move of the
summaries, on the database as it is. Today's account-side parts (milestones, stakeholders, the
objective, decisions, commitments) are kept per account between runs in the same spirit
(health.feature_cache; tests/health/test_feature_cache.py).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import partial

import numpy as np
import pandas as pd
from django.db.models import (
    Case,
    Count,
    Exists,
    Func,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    Sum,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts import rules
from accounts.models import (
    CRM_ONBOARDED_STATUSES,
    KEY_ROLES,
    Account,
    Commitment,
    Decision,
    OnboardingMilestone,
    SharedObjective,
    Stakeholder,
    TermsChange,
)
from health.feature_cache import CACHED_PARTS, cached_frames, feature_cache_compute
from health.frames import (
    Joined,
    exists_read,
    exists_statement,
    fetch_frame,
    fetch_rows,
    fetch_scoped,
    joined,
    joined_read,
)
from health.hooks import feature_sources
from health.selectors import scorecard_specs
from health.statements import SLOT, IdsSlot, kept
from signals.kinds import DEFAULT_USAGE_KINDS
from signals.models import (
    Signal,
    SignalDay,
    SignalFirst,
    SignalKindDay,
    SignalKindDef,
    SignalLastSeen,
    SignalSummary,
)
from signals.summaries import signal_summaries_computed, signal_summaries_refresh

MICROS_UTC = "datetime64[us, UTC]"
# Beyond this many quiet accounts (scoring a date before most of the portfolio was active), one
# pass over their 90 older days beats an IN list.
QUIET_LOOKUP_LIMIT = 5_000


def day_end(as_of: date) -> datetime:
    return datetime.combine(as_of + timedelta(days=1), time.min, tzinfo=UTC)


@dataclass(frozen=True)
class AccountRange:
    """A shard of the portfolio by id: every query reads it as a range scan of its indexes,
    where a list of 50,000 ids would be a 50,000-parameter IN."""

    first: int
    last: int

    def __contains__(self, pk) -> bool:
        return self.first <= pk <= self.last

    def lookup(self, field: str = "account_id") -> Q:
        return Q(**{f"{field}__gte": self.first, f"{field}__lte": self.last})


def scorable_accounts(as_of: date, account_ids=None):
    """Accounts that existed at `as_of` and had not churned by then (ids: a list or a range)."""
    accounts = Account.objects.filter(contract_start__lte=as_of).exclude(
        outcome="churned", outcome_on__lte=as_of
    )
    if isinstance(account_ids, AccountRange):
        accounts = accounts.filter(account_ids.lookup("pk"))
    elif isinstance(account_ids, IdsSlot):
        accounts = accounts.filter(pk__any=account_ids)
    elif account_ids is not None:
        accounts = accounts.filter(pk__any=list(account_ids))
    return accounts


def summarised(as_of: date) -> bool:
    """Whether `as_of` is read from the per-account summaries (today) or the rollups."""
    return as_of == timezone.now().date()


def features_prepare(as_of: date, account_ids=None) -> None:
    """Bring the summaries scoring `as_of` reads up to date, in a short transaction of their own:
    called before a scoring transaction, so its lock is not held while the accounts are scored."""
    if summarised(as_of):
        signal_summaries_refresh(as_of=as_of, restrict=account_ids)


def build_features(
    as_of: date, account_ids=None, cards=None, incremental=True, prepared=False
) -> pd.DataFrame:
    """The features of the accounts scorable at `as_of`. `cards` ({segment: ScorecardSpec}, the
    live scorecards by default) decide which signal kinds count as value and as usage.
    `incremental=False` reads today's signal windows from the rollups too (to compare).
    `prepared`: the caller has just run `features_prepare` for these accounts, so the summaries
    are not checked a second time (a summary gone since is still computed from the rollups)."""
    restrict = account_ids if isinstance(account_ids, AccountRange) else None
    if account_ids is not None and restrict is None:
        restrict = [int(pk) for pk in account_ids]
    accounts = terms_in_force(account_frame(as_of, restrict), as_of, restrict)
    ids = list(accounts.index)
    if not ids:
        return accounts
    cards = scorecard_specs() if cards is None else cards
    if isinstance(restrict, list):
        restrict = ids
    card_of = card_keys(accounts["segment"], cards)
    records = scorecard_records(as_of, cards)
    from_summaries = incremental and summarised(as_of)
    signals = (
        signal_summaries(as_of, restrict, ids, refresh=not prepared)
        if from_summaries
        else signal_aggregates(as_of, restrict, ids)
    )
    shared_kinds = shared_value_kinds(cards)
    sources = {f"source {name}": source for name, source in feature_sources.items()}
    fused = {name: source for name, source in sources.items() if isinstance(source, GroupedSource)}
    cached_for = ids if from_summaries else None
    grouped = grouped_features(as_of, restrict, shared_kinds, fused, cached_for)
    value = (
        grouped.pop("value")
        if shared_kinds is not None
        else value_per_kind(as_of, restrict, card_of, cards)
    )
    parts = [
        signals.drop(columns="has_any_signal", errors="ignore"),
        value_finish(value, card_of, records["value_kinds_seen"]),
        grouped["survey"],
        grouped["support"],
        portfolio_records(card_of, records),
        *(grouped[name] for name in ("milestones", "stakeholders", "objective", "decisions")),
        grouped["commitments"],
        *(grouped[name] if name in fused else source(as_of, restrict)
          for name, source in sources.items()),
    ]  # fmt: skip
    # Each part laid on the accounts' index, then one concat: a left join per part copied the
    # growing frame thirteen times (8 ms of a 100-account rescore; this takes 1.5).
    frame = pd.concat([accounts, *(part.reindex(accounts.index) for part in parts)], axis=1)
    custom = custom_usage(as_of, card_of, cards)["active_users_30d"]
    if not custom.empty:
        frame["active_users_30d"] = custom.reindex(frame.index).fillna(frame["active_users_30d"])
    frame = _fill(frame)
    frame["has_any_signal"] = (
        signals["has_any_signal"].reindex(frame.index, fill_value=False).astype(bool)
        if from_summaries
        else any_signal(as_of, restrict, frame["last_signal_at"])
    )
    return frame


SUMMARY_COLUMNS = [
    "events_ever", "last_signal_at", "activity_30d", "activity_prev_30d", "invites_90d",
    "last_exec_meeting_at", "upsell_accepted_180d", "upsell_declined_180d", "active_users_30d",
    "features_90d", "seen_ahead",
]  # fmt: skip


def signal_summaries(as_of: date, restrict, account_ids, refresh=True) -> pd.DataFrame:
    """The signal windows of today, one summary row per account (see the module's docstring).

    A summary a trigger deleted since the refresh is computed from the rollups of its account;
    an account with a person or feature last seen after today has its distinct counts taken
    from the signals, as the rollup path does."""
    if refresh:
        signal_summaries_refresh(as_of=as_of, restrict=restrict)
    frame = fetch_scoped(summary_rows, as_of, restrict).set_index("account_id")
    missing = [pk for pk in account_ids if pk not in frame.index]
    if missing:
        computed = pd.DataFrame(signal_summaries_computed(as_of=as_of, ids=missing))
        for column in ("last_signal_at", "last_exec_meeting_at"):
            computed[column] = pd.to_datetime(computed[column], utc=True).astype(MICROS_UTC)
        frame = pd.concat([frame, computed.set_index("account_id")[frame.columns]])
    ahead = list(frame.index[frame.pop("seen_ahead") > 0])
    if ahead:
        distinct = ["active_users_30d", "features_90d"]
        exact = pd.concat(distinct_usage_from_signals(as_of, ahead), axis=1)
        exact = exact.reindex(index=ahead, columns=distinct).fillna(0).astype("int64")
        frame.loc[ahead, distinct] = exact.to_numpy()
    frame["has_any_signal"] = frame.pop("events_ever") > 0
    return frame


def summary_rows(as_of: date, restrict):
    rows = scoped(SignalSummary.objects.filter(as_of=as_of), restrict)
    return rows.values("account_id", *SUMMARY_COLUMNS)


def any_signal(as_of: date, restrict, last_signal_at: pd.Series) -> pd.Series:
    """Whether any signal at all had been received from each account by the end of as_of.

    An account seen in the last 180 days has; the quiet rest are looked up in the first-signal
    rollup (one row per account and kind), by id while they are few."""
    seen = last_signal_at.notna()
    quiet = list(seen.index[~seen])
    if not quiet:
        return seen
    firsts = SignalFirst.objects.filter(first_at__lt=day_end(as_of))
    firsts = (
        firsts.filter(account_id__in=quiet)
        if len(quiet) <= QUIET_LOOKUP_LIMIT
        else scoped(firsts, restrict)
    )
    ever = set(firsts.order_by().values_list("account_id", flat=True).distinct())
    return seen | pd.Series(seen.index.isin(list(ever)), seen.index)


def card_keys(segments: pd.Series, cards: dict) -> pd.Series:
    """Which scorecard scores each account: its segment's own, or the default one ('')."""
    return segments.where(segments.isin(list(cards)), "")


def scoped(queryset, restrict):
    """The rows of the accounts being scored, unordered: a model ordered by "account" would
    otherwise join every row to its account (for the name) even under GROUP BY."""
    queryset = queryset.order_by()
    if restrict is None:
        return queryset
    if isinstance(restrict, AccountRange):
        return queryset.filter(restrict.lookup())
    return queryset.filter(account_id__any=restrict)


class JSONArrayLength(Func):
    """Length of a JSON list column, counted by the database."""

    function = "jsonb_array_length"
    output_field = IntegerField()


ACCOUNT_COLUMNS = [
    "id", "segment", "seats", "contract_start", "renewal_date", "last_renewed_on", "crm_status",
    "created_at",
]  # fmt: skip


def account_rows(as_of: date, restrict):
    """The scorable accounts' own columns, the handoff's blanks and the deviating terms
    counted in SQL, so 100,000 accounts' handoff prose and term lists never travel to Python."""
    return (
        scorable_accounts(as_of, restrict)
        .order_by("pk")
        .values(
            *ACCOUNT_COLUMNS,
            handoff_missing=rules.handoff_missing_count(),
            deviating_terms_count=Coalesce(JSONArrayLength("deviating_terms"), 0),
        )
    )


def account_frame(as_of: date, restrict) -> pd.DataFrame:
    """One row per account scorable at `as_of` (all, a range or a list of ids)."""
    frame = fetch_scoped(account_rows, as_of, restrict).set_index("id").rename_axis("account_id")
    frame = frame.rename(columns={"deviating_terms_count": "deviating_terms"})
    # The UTC day the account arrived in Candor: its silence is forgiven for a grace from then.
    frame["arrived_on"] = frame.pop("created_at").dt.tz_convert(None).dt.normalize()
    return frame


HISTORY_TERMS = ["renewal_date", "last_renewed_on", "crm_status", "seats"]


def terms_in_force(frame: pd.DataFrame, as_of: date, restrict) -> pd.DataFrame:
    """The renewal dates, CRM status and seats each account had on `as_of` (accounts.TermsChange),
    where today's row would tell a past date what had not happened yet, and whether the CRM
    status then said onboarded. Today and later read the account rows as they are."""
    if as_of < timezone.now().date() and not frame.empty:
        accounts = scorable_accounts(as_of, restrict).values("pk")
        history = (
            TermsChange.objects.filter(valid_from__lte=as_of, account__in=accounts)
            .order_by("account_id", "-valid_from")
            .distinct("account_id")
            .values("account_id", *HISTORY_TERMS)
        )
        then = fetch_frame(history)
        for column in HISTORY_TERMS:
            frame.loc[then.index, column] = then[column]
    frame["crm_onboarded"] = (
        frame["crm_status"].str.strip().str.lower().isin(CRM_ONBOARDED_STATUSES)
    )
    return frame


def signal_aggregates(as_of: date, restrict, account_ids) -> pd.DataFrame:
    """Windowed counts from the daily rollup, and distinct usage.

    Only the windows up to 90 days read every day's row. The 180-day facts — upsell calls,
    exec meetings — are rare and read through a partial index of the days that had one, and
    the last time a quiet account was seen is looked up for those accounts alone: half the
    rows of one 180-day pass.
    """
    ago = {d: as_of - timedelta(days=d) for d in (30, 60, 90, 180)}
    days = scoped(SignalDay.objects.filter(day__lte=as_of), restrict)
    recent = days.filter(day__gt=ago[90]).values("account_id")
    recent = recent.annotate(
        last_signal_at=Max("last_at"),
        activity_30d=Sum("events", filter=Q(day__gt=ago[30])),
        activity_prev_30d=Sum("events", filter=Q(day__gt=ago[60], day__lte=ago[30])),
        invites_90d=Sum("invites"),
    )
    rare = days.filter(SignalDay.RARE_EVENTS, day__gt=ago[180]).values("account_id")
    rare = rare.annotate(
        last_exec_meeting_at=Max("last_exec_meeting_at"),
        upsell_accepted_180d=Sum("upsell_accepted"),
        upsell_declined_180d=Sum("upsell_declined"),
    )
    recent = fetch_frame(recent)
    result = recent.join(fetch_frame(rare), how="outer")
    # Accounts not seen in 90 days, a rare event in 180 or not: their latest signal of 180 days.
    quiet = [pk for pk in account_ids or [] if pk not in recent.index]
    if quiet:
        seen = days.filter(day__gt=ago[180], day__lte=ago[90])
        if len(quiet) <= QUIET_LOOKUP_LIMIT:
            seen = seen.filter(account_id__in=quiet)
        seen = fetch_frame(seen.values("account_id").annotate(last_seen_at=Max("last_at")))
        result = result.join(seen, how="outer")
        latest, older = (
            result.pop(c).astype(MICROS_UTC) for c in ("last_signal_at", "last_seen_at")
        )
        result["last_signal_at"] = latest.fillna(older)
    for part in distinct_usage(as_of, restrict):
        result = result.join(part, how="outer")
    return result


def distinct_usage(as_of: date, restrict) -> list[pd.DataFrame]:
    """Active people in 30 days and features used in 90, counted distinct.

    When nothing was seen after `as_of` (scoring today), each person's or feature's latest use
    answers "used in the window?", so a filtered count over the last-seen rollup is exact.
    Scoring a past date needs the signals themselves: they are read at once for any day before
    today (the backtest's dates), where someone seen since is all but certain and the last-seen
    pass would be read only to be thrown away.
    """
    if as_of < timezone.now().date():
        return distinct_usage_from_signals(as_of, restrict)
    end = day_end(as_of)
    counts = (
        scoped(SignalLastSeen.objects.all(), restrict)
        .values("account_id")
        .annotate(
            active_users_30d=Count(
                "name", filter=Q(what="actor", last_at__gte=end - timedelta(days=30))
            ),
            features_90d=Count(
                "name", filter=Q(what="feature", last_at__gte=end - timedelta(days=90))
            ),
            newest=Max("last_at"),
        )
    )
    frame = fetch_frame(counts)
    if not (pd.to_datetime(frame["newest"], utc=True) >= pd.Timestamp(end)).any():
        return [frame.drop(columns="newest")]
    return distinct_usage_from_signals(as_of, restrict)


def distinct_usage_from_signals(as_of: date, restrict) -> list[pd.DataFrame]:
    """Active people in 30 days and features used in 90, from the signals themselves."""
    end = day_end(as_of)
    recent = scoped(Signal.objects.filter(occurred_at__lt=end), restrict)
    features = recent.filter(occurred_at__gte=end - timedelta(days=90), kind="feature_used")
    features = features.values("account_id").annotate(features_90d=Count("value", distinct=True))
    return [active_users(as_of, restrict, DEFAULT_USAGE_KINDS), fetch_frame(features)]


def active_users(as_of: date, restrict, kinds) -> pd.DataFrame:
    """Distinct actors of `kinds` in the 30 days up to as_of, counted from the signals."""
    end = day_end(as_of)
    recent = Signal.objects.filter(occurred_at__lt=end, occurred_at__gte=end - timedelta(days=30))
    users = scoped(recent.filter(kind__in=list(kinds)), restrict).values("account_id")
    return fetch_frame(users.annotate(active_users_30d=Count("actor", distinct=True)))


def custom_usage(as_of: date, card_of: pd.Series, cards: dict) -> pd.DataFrame:
    """Active users of the accounts whose scorecard counts other usage kinds than the last-seen
    rollup tracks (DEFAULT_USAGE_KINDS): exact, from their signals of the last 30 days."""
    parts = []
    for key, spec in cards.items():
        ids = list(card_of.index[card_of == key])
        if ids and set(spec.usage_kinds) != set(DEFAULT_USAGE_KINDS):
            counts = active_users(as_of, ids, spec.usage_kinds).reindex(ids, fill_value=0)
            parts.append(counts)
    frame = pd.concat(parts) if parts else pd.DataFrame(columns=["active_users_30d"])
    return frame.rename_axis("account_id")


def value_rows(as_of: date, restrict, kinds, by_kind=False):
    """First value event and value events in 90 days of `kinds`, per account (and kind), read
    from the per-kind daily rollup (value kinds only, so a small table)."""
    rows = scoped(SignalKindDay.objects.filter(day__lte=as_of, kind__in=kinds), restrict)
    return rows.values("account_id", *(["kind"] if by_kind else [])).annotate(
        first_value_at=Min("day"),
        value_events_90d=Sum("events", filter=Q(day__gt=as_of - timedelta(days=90))),
    )


def shared_value_kinds(cards: dict) -> list[str] | None:
    """The value kinds of every scorecard when they all count the same ones (one scorecard,
    the usual case), else None."""
    kinds = {frozenset(spec.value_kinds) for spec in cards.values()}
    return sorted(next(iter(kinds))) if len(kinds) == 1 else None


def value_per_kind(as_of: date, restrict, card_of: pd.Series, cards: dict) -> pd.DataFrame:
    """Each account's value features where scorecards count different value kinds: one row per
    account and kind, of which each scorecard keeps the rows of its own kinds."""
    kinds = sorted({kind for spec in cards.values() for kind in spec.value_kinds})
    per_kind = fetch_rows(value_rows(as_of, restrict, kinds, by_kind=True))
    card = card_of.reindex(per_kind["account_id"]).to_numpy()
    wanted = np.zeros(len(per_kind), dtype=bool)
    for key, spec in cards.items():
        wanted |= (card == key) & per_kind["kind"].isin(spec.value_kinds).to_numpy()
    return (
        per_kind[wanted]
        .groupby("account_id")
        .agg(first_value_at=("first_value_at", "min"), value_events_90d=("value_events_90d", "sum"))
    )


def value_finish(frame: pd.DataFrame, card_of: pd.Series, seen: dict[str, bool]) -> pd.DataFrame:
    """Each account's first value event and value events in 90 days, of ITS scorecard's value
    kinds, and whether any account of that scorecard ever sent one (`seen`, by scorecard: else
    Outcomes is missing)."""
    frame = frame.reindex(card_of.index)
    frame["value_kinds_seen"] = per_card(card_of, seen)
    return frame


def of_scorecard(rows, key: str, cards: dict):
    """The rows of the accounts scorecard `key` scores: its segment's, or (the default card,
    '') those of every segment without a scorecard of its own."""
    if key:
        return rows.filter(account__segment=key)
    return rows.exclude(account__segment__in=[other for other in cards if other])


def record_sources(as_of: date, spec) -> dict[str, list]:
    """What the accounts of a scorecard (any: churned ones too) had on record by as_of, each a
    list of row sets of which any one will do: one of its value kinds sent, an exec sponsor
    touch, an expansion call, a shared objective, a support signal.

    Missing is missing: a company whose systems never send value events, exec meetings,
    expansion calls or support tickets, or that does not keep shared objectives in Candor,
    cannot tell "none happened" from "none is recorded", so Outcomes, that part of Engagement
    or Alignment (or Support) is left out for its accounts instead of scoring every one of them
    zero (or, for Support, 100).
    """
    return {
        "value_kinds_seen": [
            SignalKindDay.objects.filter(day__lte=as_of, kind__in=list(spec.value_kinds))
        ],
        "exec_touch_recorded": [
            SignalDay.objects.filter(day__lte=as_of, last_exec_meeting_at__isnull=False),
            Stakeholder.objects.filter(role="exec_sponsor", last_engaged_on__lte=as_of),
        ],
        "expansion_recorded": [
            SignalDay.objects.filter(Q(upsell_accepted__gt=0) | Q(upsell_declined__gt=0)).filter(
                day__lte=as_of
            )
        ],
        "objectives_recorded": [SharedObjective.objects.filter(created_on__lte=as_of)],
        "support_recorded": [
            SignalKindDay.objects.filter(day__lte=as_of, kind__in=kinds_of("support"))
        ],
    }


def scorecard_records(as_of: date, cards: dict) -> dict[str, dict[str, bool]]:
    """{record: {scorecard key: whether its accounts had it by as_of}} for every record of
    `record_sources`: one EXISTS per row set and scorecard, all asked in one statement (each
    stops at the first row it finds). The statement depends on the day and on each
    scorecard's value kinds alone: compiled once for them (health.statements)."""
    kinds = tuple((key, tuple(spec.value_kinds)) for key, spec in cards.items())
    asked, statement = kept(("records", as_of, kinds), partial(_records_asked, as_of, cards))
    records = {}
    for (column, key), found in zip(asked, exists_read(statement), strict=True):
        by_card = records.setdefault(column, {})
        by_card[key] = by_card.get(key, False) or found
    return records


def _records_asked(as_of: date, cards: dict) -> tuple[list, tuple[str, list] | None]:
    """What `scorecard_records` asks: (record, scorecard key) per question, and the statement."""
    asked = [
        (column, key, of_scorecard(rows, key, cards))
        for key, spec in cards.items()
        for column, row_sets in record_sources(as_of, spec).items()
        for rows in row_sets
    ]
    return [(column, key) for column, key, _ in asked], exists_statement([q for *_, q in asked])


def portfolio_records(card_of: pd.Series, records: dict) -> pd.DataFrame:
    """Whether the accounts of each account's scorecard ever had, by as_of, an exec sponsor
    touch, an expansion call, a shared objective and a support signal on record."""
    return pd.DataFrame(
        {column: per_card(card_of, records[column]) for column in RECORDED_COLUMNS},
        index=card_of.index,
    )


def per_card(card_of: pd.Series, by_card: dict[str, bool]) -> np.ndarray:
    """`card_of.map(by_card)` for a dict with every scorecard in it: each scorecard looked up
    once, not a Series mapped per column (a fixed cost of a small rescore)."""
    codes, cards = pd.factorize(card_of)
    return np.array([by_card[card] for card in cards], dtype=bool)[codes]


SURVEY_WINDOW_DAYS = 365
SUPPORT_WINDOW_DAYS = 90


def kinds_of(category: str, restrict=SLOT):
    """The codes of the signal kinds of a category: as a subquery, or for a range of accounts or
    the whole portfolio as the codes read now. A shard's planner that sees the codes reads its
    days of them by kind, day and id in one index range (signal_kind_day_account_idx); behind
    a subquery it fetched every account's days of the kind. A list of accounts' statements are
    kept all day (health.statements): the subquery counts a kind moved to another category at
    once."""
    codes = SignalKindDef.objects.filter(category=category).values("code")
    if restrict is not None and not isinstance(restrict, AccountRange):
        return codes
    # No such kind: a code no kind has, so the statement is still one that can be compiled.
    return list(codes.values_list("code", flat=True)) or [""]


def support_rows(as_of: date, restrict):
    """How much help the customer needed in the last 90 days: signals of the kinds of category
    "support" (tickets, help-centre visits), read from the per-kind daily rollup."""
    since = as_of - timedelta(days=SUPPORT_WINDOW_DAYS)
    support = kinds_of("support", restrict)
    rows = SignalKindDay.objects.filter(day__lte=as_of, day__gt=since, kind__in=support)
    return scoped(rows, restrict).values("account_id").annotate(support_events_90d=Sum("events"))


def survey_rows(as_of: date, restrict):
    """The customer's survey answers (kinds of category "survey", 0-10) of the last year: how
    many were numbers, and their mean. Read from the per-kind daily rollup."""
    since = as_of - timedelta(days=SURVEY_WINDOW_DAYS)
    rows = SignalKindDay.objects.filter(
        day__lte=as_of, day__gt=since, kind__in=kinds_of("survey", restrict), answers__gt=0
    )
    rows = scoped(rows, restrict).values("account_id")
    return rows.annotate(survey_answers=Sum("answers"), answer_sum=Sum("answer_sum"))


def survey_finish(frame: pd.DataFrame) -> pd.DataFrame:
    frame["confidence_mean"] = frame.pop("answer_sum") / frame["survey_answers"]
    return frame


# The checklist task that records the kickoff call (OnboardingMilestone.is_kickoff).
KICKOFF_TASK = Q(is_kickoff=True)


def milestone_rows(as_of: date, restrict):
    """Checklist tasks done, and outcome milestones reached — by date or by their proof signal."""
    firsts = scoped(SignalFirst.objects.filter(first_at__lt=day_end(as_of)), restrict)
    proven = firsts.filter(account_id=OuterRef("account_id"), kind=OuterRef("proof_signal"))
    reached = Q(completed_on__lte=as_of) | Q(proven=True)
    outcome, task = Q(kind="outcome"), Q(kind="task")
    return (
        scoped(OnboardingMilestone.objects.all(), restrict)
        .annotate(proven=Exists(proven))
        .values("account_id")
        .annotate(
            tasks_total=Count("id", filter=task),
            tasks_done=Count("id", filter=task & Q(completed_on__lte=as_of)),
            outcomes_total=Count("id", filter=outcome),
            outcomes_due=Count("id", filter=outcome & (Q(target_on__lte=as_of) | reached)),
            outcomes_due_reached=Count("id", filter=outcome & reached),
            kickoff_on=Min("completed_on", filter=KICKOFF_TASK & Q(completed_on__lte=as_of)),
        )
    )


def roles_among(role_field: str, condition: Q):
    """How many of the key roles have a row meeting `condition`: a max per role, summed,
    which PostgreSQL computes in one hash aggregate where count(DISTINCT) would sort."""
    present = [
        Max(Case(When(condition & Q(**{role_field: role}), then=1), default=0))
        for role in KEY_ROLES
    ]
    return sum(present[1:], present[0])


def stakeholder_rows(as_of: date, restrict):
    """Who is still there at as_of: key roles, conflicting definitions, exec contact, champion."""
    here = Q(active=True) | Q(left_on__gt=as_of)
    gone_recently = Q(left_on__lte=as_of, left_on__gt=as_of - timedelta(days=180))
    champion = Q(role="champion")
    return (
        scoped(Stakeholder.objects.all(), restrict)
        .values("account_id")
        .annotate(
            stakeholders=Count("id", filter=here),
            key_roles_present=roles_among("role", here),
            conflicting_definitions=Count("id", filter=here & Q(success_definition_conflicts=True)),
            exec_last_engaged_on=Max(
                "last_engaged_on",
                filter=here & Q(role="exec_sponsor", last_engaged_on__lte=as_of),
            ),
            champions_here=Count("id", filter=here & champion),
            champions_gone=Count("id", filter=champion & gone_recently),
        )
    )


def stakeholder_finish(frame: pd.DataFrame) -> pd.DataFrame:
    """The champion left: none here now, one gone in the last 180 days."""
    frame["champion_left"] = (
        (frame["stakeholders"] > 0) & (frame["champions_gone"] > 0) & (frame["champions_here"] == 0)
    )
    return frame.drop(columns=["champions_here", "champions_gone"])


def objective_rows(as_of: date, restrict):
    """The shared objective known at as_of: key roles that had signed it, review overdue."""
    signed = Q(
        objectivesignature__signed_on__lte=as_of,
        objectivesignature__stakeholder__role__in=KEY_ROLES,
    )
    return (
        scoped(SharedObjective.objects.filter(created_on__lte=as_of), restrict)
        .annotate(objective_review_overdue=rules.flagged(rules.objective_review_overdue(as_of)))
        .values("account_id", "objective_review_overdue")
        .annotate(
            objective_key_signers=roles_among("objectivesignature__stakeholder__role", signed)
        )
    )


def objective_finish(frame: pd.DataFrame) -> pd.DataFrame:
    """An account with a row has an objective (its signers are counted, 0 when none signed)."""
    frame["has_objective"] = frame["objective_key_signers"].notna()
    return frame


def decision_rows(as_of: date, restrict):
    """Decisions of the last 180 days: reopened within 7 days, not circulated within 24 hours."""
    recent = Q(decided_on__lte=as_of, decided_on__gte=as_of - timedelta(days=180))
    return (
        scoped(Decision.objects.filter(recent), restrict)
        .values("account_id")
        .annotate(
            decisions=Count("id"),
            decisions_reopened_7d=Count("id", filter=rules.decision_reopened_within_week(as_of)),
            decisions_circulated_late=Count("id", filter=rules.decision_circulated_late(as_of)),
        )
    )


def commitment_rows(as_of: date, restrict):
    """Promises known at as_of: told but not committed by product, unscoped, overdue."""
    return (
        scoped(Commitment.objects.filter(rules.commitment_known(as_of)), restrict)
        .values("account_id")
        .annotate(
            commitments=Count("id"),
            commitments_gap=Count("id", filter=rules.commitment_uncommitted()),
            commitments_unscoped_open=Count("id", filter=rules.commitment_unscoped_open()),
            commitments_overdue=Count("id", filter=rules.commitment_overdue(as_of)),
        )
    )


def _as_read(frame: pd.DataFrame) -> pd.DataFrame:
    return frame


# The parts read by one query grouped by account: its rows, and what is made of the frame read
# (a frame of every account asked about, NaN where it had no row, or of the accounts with a row).
GROUPED_PARTS = {
    "survey": (survey_rows, survey_finish),
    "support": (support_rows, _as_read),
    "milestones": (milestone_rows, _as_read),
    "stakeholders": (stakeholder_rows, stakeholder_finish),
    "objective": (objective_rows, objective_finish),
    "decisions": (decision_rows, _as_read),
    "commitments": (commitment_rows, _as_read),
}

# The rows functions of the parts the feature cache keeps (health.feature_cache).
CACHED_ROWS = {name: GROUPED_PARTS[name][0] for name in CACHED_PARTS}


@dataclass(frozen=True)
class GroupedSource:
    """A feature source (health.hooks.feature_sources) read by one query grouped by account:
    `rows(as_of, restrict)` a values() queryset with `account_id` and at most one row per
    account, `finish(frame, as_of)` the columns made of the frame read (of every account asked
    about, NaN where it had no row, or of the accounts with a row). build_features reads it with
    its own grouped parts; called, it reads alone, as any source."""

    rows: Callable
    finish: Callable

    def __call__(self, as_of: date, restrict) -> pd.DataFrame:
        return self.finish(fetch_frame(self.rows(as_of, restrict)), as_of)


def grouped_features(
    as_of: date, restrict, value_kinds=None, sources=None, cached_for=None
) -> dict[str, pd.DataFrame]:
    """The GROUPED_PARTS by name, "value" (as read, `value_rows`) when all scorecards count
    the same `value_kinds`, and the GroupedSource `sources` by their names. `cached_for`: the
    ids of `restrict` whose CACHED_PARTS are read from the feature cache (health.feature_cache:
    today). For a list of accounts (a small rescore) the rest are read in one statement
    (`fetch_joined`): one round trip and one parse instead of ten, which on 100 accounts cost
    more than the queries; a range or the whole portfolio reads them one by one."""
    sources = sources or {}
    finish = {name: finish for name, (_, finish) in GROUPED_PARTS.items()}
    finish.update({name: partial(source.finish, as_of=as_of) for name, source in sources.items()})
    frames, skipped = {}, ()
    if cached_for is not None:
        frames, skipped = cached_frames(as_of, restrict, cached_for, CACHED_ROWS), CACHED_PARTS
    if isinstance(restrict, list):
        kinds = None if value_kinds is None else tuple(value_kinds)
        names, statement = kept(
            ("grouped", as_of, kinds, tuple(sources.items()), skipped),
            partial(_grouped_joined, as_of, kinds, sources, skipped),
        )
        frames.update(zip(names, joined_read(statement, restrict), strict=True))
    else:
        queries = grouped_queries(as_of, restrict, value_kinds, sources, skipped)
        frames.update({name: fetch_frame(queryset) for name, queryset in queries.items()})
    return {name: finish.get(name, _as_read)(frame) for name, frame in frames.items()}


def cached_parts_keep(as_of: date, account_ids=None) -> None:
    """Keep the cached parts (health.feature_cache) of these accounts (None: all) as computed on
    `as_of`, as that day's run kept them."""
    feature_cache_compute(as_of, CACHED_ROWS, None if account_ids is None else list(account_ids))


def grouped_queries(as_of: date, restrict, value_kinds, sources: dict, skipped=()) -> dict:
    """The querysets of `grouped_features` by name, but the `skipped` parts (read elsewhere)."""
    queries = {
        name: rows(as_of, restrict)
        for name, (rows, _) in GROUPED_PARTS.items()
        if name not in skipped
    }
    queries.update({name: source.rows(as_of, restrict) for name, source in sources.items()})
    if value_kinds is not None:
        queries["value"] = value_rows(as_of, restrict, list(value_kinds))
    return queries


def _grouped_joined(as_of: date, value_kinds, sources: dict, skipped) -> tuple[list, Joined]:
    """The names and the joined statement of the grouped parts of a list of accounts."""
    queries = grouped_queries(as_of, SLOT, value_kinds, sources, skipped)
    return list(queries), joined(list(queries.values()))


COUNT_COLUMNS = [
    "activity_30d", "activity_prev_30d", "value_events_90d", "invites_90d", "upsell_accepted_180d",
    "upsell_declined_180d", "active_users_30d", "features_90d", "tasks_total", "tasks_done",
    "outcomes_total", "outcomes_due", "outcomes_due_reached", "stakeholders", "key_roles_present",
    "conflicting_definitions", "objective_key_signers", "decisions", "decisions_reopened_7d",
    "decisions_circulated_late", "commitments", "commitments_gap", "commitments_unscoped_open",
    "commitments_overdue", "survey_answers", "support_events_90d",
]  # fmt: skip
RECORDED_COLUMNS = [
    "exec_touch_recorded", "expansion_recorded", "objectives_recorded", "support_recorded",
]  # fmt: skip
# Numbers that stay missing (NaN) where a part has no row: there is no mean of no answers.
MEASURE_COLUMNS = ["confidence_mean", "csm_sentiment"]
DATE_COLUMNS = [
    "last_signal_at", "last_exec_meeting_at", "first_value_at", "exec_last_engaged_on",
    "kickoff_on",
]  # fmt: skip
FLAG_COLUMNS = [
    "has_objective", "objective_review_overdue", "champion_left", "value_kinds_seen",
    *RECORDED_COLUMNS,
]  # fmt: skip


def _fill(frame: pd.DataFrame) -> pd.DataFrame:
    """Absent rows in a joined part mean zero of that thing, not unknown. Filled on the numbers
    and set at once: a Series filled and cast per column cost a 100-account rescore ~3 ms."""
    values = {}
    for column in COUNT_COLUMNS:
        values[column] = _filled(frame[column], 0.0) if column in frame else 0.0
    for column in MEASURE_COLUMNS:
        values[column] = _numbers(frame[column]) if column in frame else np.nan
    for column in DATE_COLUMNS:
        if column not in frame:
            values[column] = pd.NaT
    for column in FLAG_COLUMNS:
        default = column in ("objective_review_overdue", "value_kinds_seen", *RECORDED_COLUMNS)
        values[column] = _flags(frame[column], default) if column in frame else default
    for column in ("seats", "handoff_missing", "deviating_terms"):
        values[column] = _numbers(frame[column])
    frame = frame.assign(**values)
    objects = [column for column, kind in frame.dtypes.items() if kind == OBJECTS]
    if objects:  # None is missing: only a column of Python objects can hold it
        frame[objects] = frame[objects].replace({None: np.nan})
    return frame


OBJECTS = np.dtype(object)


def _numbers(column: pd.Series) -> np.ndarray:
    return column.to_numpy(dtype=float, na_value=np.nan)


def _filled(column: pd.Series, value: float) -> np.ndarray:
    numbers = _numbers(column)
    return np.where(np.isnan(numbers), value, numbers)


def _flags(column: pd.Series, default: bool) -> np.ndarray:
    flags = column.to_numpy()
    return np.where(pd.isna(flags), default, flags).astype(bool)
