"""The VP's portfolio: ARR by health, where the dashboard lies, drifting books, commitment debt,
and whether the score would have caught past churn."""

from collections import defaultdict
from datetime import timedelta

from django.db.models import Avg, Count, Max, Q, Sum
from django.utils import timezone

from accounts.models import Account, Commitment
from health.dashboard import FLAG_LABELS
from health.models import HealthScore

RAGS = ("red", "amber", "green")


def _money(value) -> float:
    return float(value or 0)


def portfolio_summary(accounts) -> dict:
    """ARR and account counts by RAG, by flag and by CSM over the given active accounts."""
    accounts = accounts.exclude(outcome="churned")
    by_rag = {rag: {"accounts": 0, "arr": 0.0} for rag in (*RAGS, "unscored")}
    for row in accounts.values("current_health__rag").annotate(n=Count("pk"), arr=Sum("arr")):
        by_rag[row["current_health__rag"] or "unscored"] = {
            "accounts": row["n"],
            "arr": _money(row["arr"]),
        }
    flag_totals = accounts.aggregate(
        **{f"{code}__n": Count("pk", filter=_flag(code)) for code in FLAG_LABELS},
        **{f"{code}__arr": Sum("arr", filter=_flag(code)) for code in FLAG_LABELS},
    )
    by_flag = {
        code: {
            "label": label,
            "accounts": flag_totals[f"{code}__n"],
            "arr": _money(flag_totals[f"{code}__arr"]),
        }
        for code, label in FLAG_LABELS.items()
    }
    by_csm = defaultdict(
        lambda: {"accounts": 0, "arr": 0.0, **{rag: 0 for rag in RAGS}, "arr_at_risk": 0.0}
    )
    rows = accounts.values("csm__username", "current_health__rag").annotate(
        n=Count("pk"), arr=Sum("arr")
    )
    for row in rows:
        csm, rag = by_csm[row["csm__username"]], row["current_health__rag"]
        csm["accounts"] += row["n"]
        csm["arr"] += _money(row["arr"])
        if rag in RAGS:
            csm[rag] += row["n"]
        if rag in ("red", "amber"):
            csm["arr_at_risk"] += _money(row["arr"])
    return {"by_rag": by_rag, "by_flag": by_flag, "by_csm": dict(sorted(by_csm.items()))}


def _flag(code: str) -> Q:
    return Q(current_health__flag_codes__contains=f",{code},")


def lying_dashboards(accounts) -> dict:
    """CRM says onboarded vs checklist illusion; renewed vs renewal without engagement."""
    today = timezone.now().date()
    accounts = accounts.exclude(outcome="churned")
    onboarded = Q(crm_status__iexact="onboarded") | Q(crm_status__iexact="live")
    renewed = Q(last_renewed_on__gte=today - timedelta(days=365))
    return accounts.aggregate(
        crm_onboarded=Count("pk", filter=onboarded),
        crm_onboarded_but_not_capable=Count("pk", filter=onboarded & _flag("checklist_illusion")),
        checklist_illusion_arr=Sum("arr", filter=_flag("checklist_illusion")),
        renewed_last_year=Count("pk", filter=renewed),
        renewal_without_engagement=Count("pk", filter=_flag("renewal_without_engagement")),
        renewal_without_engagement_arr=Sum("arr", filter=_flag("renewal_without_engagement")),
    )


def csm_trend(accounts) -> dict:
    """Average score per CSM now and about 30 days ago, from history."""
    now = dict(
        accounts.exclude(outcome="churned")
        .values_list("csm__username")
        .annotate(avg=Avg("current_health__overall"))
    )
    day = timezone.now().date() - timedelta(days=30)
    then_day = HealthScore.objects.filter(as_of__lte=day).aggregate(d=Max("as_of"))["d"]
    then = {}
    if then_day:
        rows = HealthScore.objects.filter(as_of=then_day, account__in=accounts)
        then = dict(rows.values_list("account__csm__username").annotate(avg=Avg("overall")))
    return {
        csm: {
            "now": now[csm],
            "then": then.get(csm),
            "change": None if then.get(csm) is None or now[csm] is None else now[csm] - then[csm],
        }
        for csm in sorted(now)
    }


DEAL_AGE_BUCKETS = (
    ("< 6 months", 0, 182),
    ("6–12 months", 182, 365),
    ("1–2 years", 365, 730),
    ("2+ years", 730, 100_000),
)


def commitment_debt(accounts) -> list[dict]:
    """Open promises told to customers that product has not committed to, by deal age."""
    today = timezone.now().date()
    debt = Commitment.objects.filter(
        account__in=accounts.exclude(outcome="churned"),
        product_status__in=["under_consideration", "declined"],
    ).exclude(told_customer="")
    buckets = []
    for label, low, high in DEAL_AGE_BUCKETS:
        window = Q(account__contract_start__lte=today - timedelta(days=low)) & Q(
            account__contract_start__gt=today - timedelta(days=high)
        )
        totals = debt.filter(window).aggregate(
            commitments=Count("pk"), accounts=Count("account", distinct=True),
            overdue=Count("pk", filter=Q(due_on__lt=today)),
        )  # fmt: skip
        buckets.append({"label": label, **totals})
    return buckets


def score_validity(accounts, horizons=(30, 60, 90)) -> dict:
    """For churned and renewed accounts: what the score said 30/60/90 days before the outcome."""
    ended = Account.objects.filter(
        pk__in=accounts.values("pk"), outcome__in=["churned", "renewed"]
    ).exclude(outcome_on=None)
    ended = list(ended.values("pk", "outcome", "outcome_on"))
    if not ended:
        return {"horizons": horizons, "rows": [], "has_history": False}
    earliest = min(a["outcome_on"] for a in ended) - timedelta(days=max(horizons) + 60)
    history = defaultdict(list)
    scores = HealthScore.objects.filter(
        account_id__in=[a["pk"] for a in ended], as_of__gte=earliest
    )
    for account_id, as_of, rag in scores.order_by("as_of").values_list(
        "account_id", "as_of", "rag"
    ):
        history[account_id].append((as_of, rag))
    rows = []
    for horizon in horizons:
        tally = {"horizon": horizon, "churned_caught": 0, "churned_missed": 0, "churned_unknown": 0,
                 "renewed_green": 0, "renewed_flagged": 0, "renewed_unknown": 0}  # fmt: skip
        for account in ended:
            said = _rag_at(history[account["pk"]], account["outcome_on"] - timedelta(days=horizon))
            prefix = account["outcome"]
            if said is None:
                tally[f"{prefix}_unknown"] += 1
            elif prefix == "churned":
                tally["churned_caught" if said != "green" else "churned_missed"] += 1
            else:
                tally["renewed_green" if said == "green" else "renewed_flagged"] += 1
        rows.append(tally)
    has_history = any(
        r["churned_caught"] + r["churned_missed"] + r["renewed_green"] + r["renewed_flagged"]
        for r in rows
    )
    return {"horizons": horizons, "rows": rows, "has_history": has_history}


def _rag_at(history: list, day):
    """The RAG of the newest score computed as of `day` or earlier (within 30 days of it)."""
    said = None
    for as_of, rag in history:
        if as_of > day:
            break
        if as_of >= day - timedelta(days=30):
            said = rag
    return said
