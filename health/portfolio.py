"""The VP's portfolio: ARR by health, where the dashboard lies, drifting books, commitment debt,
and whether the score would have caught past churn.

Every figure is a set-based aggregate in the database, never rows pulled into Python: one pass
over the active accounts and their CurrentHealth gives the RAG, flag, CSM and "lying dashboard"
totals; history is read only through indexes (one scoring day for the trend, one index probe per
ended account and horizon for validity). The page costs the same handful of queries whatever
the size of the portfolio or the length of its history.
"""

import hashlib
from collections import defaultdict
from datetime import timedelta

from django.core.cache import cache
from django.db.models import Count, Max, OuterRef, Q, Subquery, Sum
from django.utils import timezone

from accounts import rules
from accounts.models import Account, Commitment, crm_says_onboarded
from health.models import AT_RISK_RAGS, RAGS, HealthScore
from health.scoring.flags import FLAG_LABELS


def _money(value) -> float:
    return float(value or 0)


def portfolio_rollup(accounts) -> list[dict]:
    """One pass over the active accounts: counts and sums per (CSM, RAG, set of flags).

    Grouping by the flag string (a dozen distinct sets) rather than filtering once per flag keeps
    the pass a plain hash aggregate. There are CSMs x RAGs x flag sets groups, never accounts.
    """
    today = timezone.now().date()
    rows = accounts.exclude(outcome="churned").values(
        "csm__username", "current_health__rag", "current_health__flag_codes", "crm_status"
    )
    rows = rows.annotate(
        n=Count("pk"),
        arr_sum=Sum("arr"),
        score_sum=Sum("current_health__overall"),
        scored=Count("current_health__overall"),
        renewed_last_year=Count("pk", filter=Q(last_renewed_on__gte=today - timedelta(365))),
    )
    return [_with_flags(row) for row in rows.order_by()]


def _with_flags(row: dict) -> dict:
    """The group's flag set, and its accounts the CRM calls onboarded — by the scorer's rule,
    in Python over a few thousand groups rather than a case-folded comparison per account."""
    onboarded = crm_says_onboarded(row["crm_status"])
    return row | {
        "flags": _codes(row["current_health__flag_codes"]),
        "crm_onboarded": row["n"] if onboarded else 0,
    }


def _codes(flag_codes: str | None) -> set[str]:
    return {code for code in (flag_codes or "").split(",") if code}


def portfolio_summary(accounts) -> dict:
    """ARR and account counts by RAG, by flag and by CSM over the given active accounts."""
    return summarise(portfolio_rollup(accounts))


def summarise(rows: list[dict]) -> dict:
    by_rag = {rag: {"accounts": 0, "arr": 0.0} for rag in (*RAGS, "unscored")}
    by_flag = {
        code: {"label": label, "accounts": 0, "arr": 0.0} for code, label in FLAG_LABELS.items()
    }
    by_csm = defaultdict(
        lambda: {"accounts": 0, "arr": 0.0, **{rag: 0 for rag in RAGS}, "arr_at_risk": 0.0}
    )
    for row in rows:
        rag, n, arr = row["current_health__rag"], row["n"], _money(row["arr_sum"])
        _add(by_rag[rag or "unscored"], n, arr)
        for code in row["flags"] & by_flag.keys():
            _add(by_flag[code], n, arr)
        csm = by_csm[row["csm__username"]]
        _add(csm, n, arr)
        if rag in RAGS:
            csm[rag] += n
        if rag in AT_RISK_RAGS:
            csm["arr_at_risk"] += arr
    return {
        "arr_at_risk": arr_at_risk(by_rag),
        "by_rag": by_rag,
        "by_flag": by_flag,
        "by_csm": dict(sorted(by_csm.items())),
    }


def arr_at_risk(by_rag: dict) -> float:
    """The one definition of ARR at risk: the ARR of red and amber accounts. Sums per flag
    overlap (an account can carry several flags) and are never added up into it."""
    return sum(by_rag[rag]["arr"] for rag in AT_RISK_RAGS)


def _add(totals: dict, accounts: int, arr: float) -> None:
    totals["accounts"] += accounts
    totals["arr"] += arr


def lying_dashboards(rows: list[dict]) -> dict:
    """CRM says onboarded vs checklist illusion; renewed vs renewal without engagement."""
    illusion = [row for row in rows if "checklist_illusion" in row["flags"]]
    unengaged = [row for row in rows if "renewal_without_engagement" in row["flags"]]
    return {
        "crm_onboarded": sum(row["crm_onboarded"] for row in rows),
        "crm_onboarded_but_not_capable": sum(row["crm_onboarded"] for row in illusion),
        "checklist_illusion_arr": sum(_money(row["arr_sum"]) for row in illusion),
        "renewed_last_year": sum(row["renewed_last_year"] for row in rows),
        "renewal_without_engagement": sum(row["n"] for row in unengaged),
        "renewal_without_engagement_arr": sum(_money(row["arr_sum"]) for row in unengaged),
    }


def csm_trend(accounts, rows: list[dict]) -> dict:
    """Average score per CSM now and on the last scoring day at least 30 days ago."""
    totals = defaultdict(lambda: [0.0, 0])
    for row in rows:
        totals[row["csm__username"]][0] += row["score_sum"] or 0.0
        totals[row["csm__username"]][1] += row["scored"]
    now = {csm: total / n if n else None for csm, (total, n) in totals.items()}
    then = _average_by_csm_then(accounts, timezone.now().date() - timedelta(days=30))
    return {
        csm: {
            "now": now[csm],
            "then": then.get(csm),
            "change": None if then.get(csm) is None or now[csm] is None else now[csm] - then[csm],
        }
        for csm in sorted(now)
    }


def _average_by_csm_then(accounts, day) -> dict:
    then_day = HealthScore.objects.filter(as_of__lte=day).aggregate(d=Max("as_of"))["d"]
    if not then_day:
        return {}
    rows = (
        accounts.filter(health_scores__as_of=then_day)
        .values("csm__username")
        .annotate(total=Sum("health_scores__overall"), n=Count("health_scores__overall"))
    )
    return {row["csm__username"]: row["total"] / row["n"] for row in rows.order_by() if row["n"]}


DEAL_AGE_BUCKETS = (
    ("< 6 months", 0, 182),
    ("6–12 months", 182, 365),
    ("1–2 years", 365, 730),
    ("2+ years", 730, 100_000),
)


def whole_portfolio(accounts) -> bool:
    """Whether `accounts` is every account, unfiltered (a VP's scope)."""
    return str(accounts.query) == str(Account.objects.all().query)


def commitment_debt(accounts) -> list[dict]:
    """The promises the scorer's commitment_gap flag counts (`commitments`), by deal age, split
    once each: told to the customer but not committed by product (`uncommitted`), or committed
    and past due (`committed_overdue`); these two add up to `commitments`. `overdue` counts every
    past-due promise, committed or not; `accounts`, the accounts carrying them."""
    today = timezone.now().date()
    debt = Commitment.objects.filter(
        rules.commitment_known(today), rules.commitment_gap(today)
    ).exclude(account__outcome="churned")
    if not whole_portfolio(accounts):  # a VP's whole book needs no second pass over accounts
        debt = debt.filter(account__in=accounts)
    totals = {}
    for i, (_label, low, high) in enumerate(DEAL_AGE_BUCKETS):
        window = Q(
            account__contract_start__lte=today - timedelta(days=low),
            account__contract_start__gt=today - timedelta(days=high),
        )
        totals[f"{i}_commitments"] = Count("pk", filter=window)
        totals[f"{i}_uncommitted"] = Count("pk", filter=window & rules.commitment_uncommitted())
        totals[f"{i}_overdue"] = Count("pk", filter=window & rules.commitment_overdue(today))
        totals[f"{i}_committed_overdue"] = Count(
            "pk", filter=window & ~rules.commitment_uncommitted() & rules.commitment_overdue(today)
        )
        totals[f"{i}_accounts"] = Count("account", filter=window, distinct=True)
    totals = debt.order_by().aggregate(**totals)
    keys = ("commitments", "uncommitted", "committed_overdue", "overdue", "accounts")
    return [
        {"label": label, **{key: totals[f"{i}_{key}"] for key in keys}}
        for i, (label, _low, _high) in enumerate(DEAL_AGE_BUCKETS)
    ]


def score_validity_remembered(accounts, horizons=(30, 60, 90)) -> dict:
    """score_validity, recomputed only when what it is computed from has changed.

    It reads history for every account that ever churned or renewed (~36,000 index probes at
    100,000 accounts), and that history only grows when scores are written. The cache key is
    the data's version: the newest score id, the number of churned and renewed accounts and
    their latest outcome date, and the accounts in scope — any change to those is a new key.
    """
    ended = accounts.filter(outcome__in=["churned", "renewed"]).exclude(outcome_on=None)
    version = ended.aggregate(
        churned=Count("pk", filter=Q(outcome="churned")),
        renewed=Count("pk", filter=Q(outcome="renewed")),
        latest=Max("outcome_on"),
    )
    version["newest_score"] = HealthScore.objects.aggregate(newest=Max("pk"))["newest"]
    inputs = f"{accounts.query}|{horizons}|{sorted(version.items())}"
    key = f"candor:score-validity:{hashlib.sha256(inputs.encode()).hexdigest()}"
    return cache.get_or_set(key, lambda: score_validity(accounts, horizons), VALIDITY_SECONDS)


def score_validity(accounts, horizons=(30, 60, 90)) -> dict:
    """For churned and renewed accounts: what the score said 30/60/90 days before the outcome.

    "Said" is the newest score in history (as Candor showed it then, with the scorecard live
    then) as of that day, if it is at most 30 days older than the day: one probe of the
    (account, as_of, computed_at) index per ended account and horizon. `churned_caught_share`
    is of the churns with such a score. The backtest's recall at a lead reads the same window
    but replays today's scorecard on its own, sparser dates, so the two can differ.
    """
    said = {f"said_{horizon}": _rag_before_outcome(horizon) for horizon in horizons}
    ended = accounts.filter(outcome__in=["churned", "renewed"]).exclude(outcome_on=None)
    groups = list(
        ended.annotate(**said).values("outcome", *said).annotate(n=Count("pk")).order_by()
    )
    rows = [_tally(horizon, groups) for horizon in horizons]
    has_history = any(
        r["churned_caught"] + r["churned_missed"] + r["renewed_green"] + r["renewed_flagged"]
        for r in rows
    )
    return {"horizons": horizons, "rows": rows, "has_history": has_history}


VALIDITY_SECONDS = 24 * 3600


def _rag_before_outcome(horizon: int) -> Subquery:
    day = OuterRef("outcome_on") - timedelta(days=horizon)
    scores = HealthScore.objects.filter(
        account=OuterRef("pk"), as_of__lte=day, as_of__gte=day - timedelta(days=30)
    )
    return Subquery(scores.order_by("-as_of", "-computed_at").values("rag")[:1])


def _tally(horizon: int, groups: list[dict]) -> dict:
    tally = {"horizon": horizon, "churned_caught": 0, "churned_missed": 0, "churned_unknown": 0,
             "renewed_green": 0, "renewed_flagged": 0, "renewed_unknown": 0}  # fmt: skip
    for group in groups:
        said, prefix = group[f"said_{horizon}"], group["outcome"]
        if said in (None, "unknown"):  # no score then, or no data yet: the score said nothing
            key = f"{prefix}_unknown"
        elif prefix == "churned":
            key = "churned_caught" if said != "green" else "churned_missed"
        else:
            key = "renewed_green" if said == "green" else "renewed_flagged"
        tally[key] += group["n"]
    read = tally["churned_caught"] + tally["churned_missed"]
    tally["churned_caught_share"] = tally["churned_caught"] / read if read else None
    return tally
