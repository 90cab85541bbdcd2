"""Reads behind the screens: the book, its counts, the portfolio and score validity.

Everything is set-based over CurrentHealth and HealthScore, so a page costs a handful of
queries whatever the size of the book.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import (
    Case,
    Count,
    DecimalField,
    F,
    FloatField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from accounts.models import segment_label
from accounts.selectors import accounts_visible_to
from health.models import AT_RISK_RAGS, HealthScore
from health.scoring.flags import FLAG_LABELS

SORTS = {
    "risk": "-risk",
    "name": "name",
    "score": "current_health__overall",
    "change": "change_30d",
    "arr": "arr",
    "renewal": "renewal_date",
    "activity": "current_health__last_signal_at",
    "rag": "rag_rank",
}
RENEWAL_WINDOWS = (30, 60, 90, 120, 180)
# Risk = (100 - score) x ARR x urgency, so no account's risk exceeds RISK_PER_ARR x its ARR.
MAX_URGENCY = 2.0
RISK_PER_ARR = 100.0 * MAX_URGENCY


@dataclass
class BookFilters:
    rag: str = ""
    flag: str = ""
    segment: str = ""
    renewal_within: int | None = None
    q: str = ""
    sort: str = "risk"
    descending: bool = False
    csm: str = ""


def active_book(user):
    return accounts_visible_to(user).exclude(outcome="churned")


def _overall_days_ago(days: int):
    day = timezone.now().date() - timedelta(days=days)
    earlier = HealthScore.objects.filter(account=OuterRef("pk"), as_of__lte=day)
    return Subquery(earlier.order_by("-as_of", "-computed_at").values("overall")[:1])


def book_queryset(user, filters: BookFilters, base=None):
    """The accounts a user should look at, worst first: low score × ARR × nearness of renewal."""
    today = timezone.now().date()
    accounts = base.exclude(outcome="churned") if base is not None else active_book(user)
    accounts = accounts.select_related("current_health__score", "csm")
    accounts = _filter(accounts, filters, today)
    urgency = Case(
        When(renewal_date__lte=today + timedelta(days=90), then=Value(MAX_URGENCY)),
        When(renewal_date__lte=today + timedelta(days=180), then=Value(1.5)),
        default=Value(1.0),
        output_field=FloatField(),
    )
    shortfall = 100.0 - Coalesce(F("current_health__overall"), Value(50.0))
    accounts = accounts.annotate(
        risk=shortfall * Cast("arr", FloatField()) * urgency,
        change_30d=F("current_health__overall") - _overall_days_ago(30),
        rag_rank=Case(
            When(current_health__rag="red", then=Value(0)),
            When(current_health__rag="amber", then=Value(1)),
            When(current_health__rag="green", then=Value(2)),
            When(current_health__rag="unknown", then=Value(3)),
            default=Value(4),
        ),
    )
    order = SORTS.get(filters.sort, "-risk")
    if filters.descending:
        order = order[1:] if order.startswith("-") else f"-{order}"
    field = order.lstrip("-")
    return accounts.order_by(
        F(field).desc(nulls_last=True) if order.startswith("-") else F(field).asc(nulls_last=True),
        "pk",
    )


def _filter(accounts, filters: BookFilters, today):
    if filters.rag:
        accounts = accounts.filter(current_health__rag=filters.rag)
    if filters.flag:
        accounts = accounts.filter(current_health__flag_codes__contains=f",{filters.flag},")
    if filters.segment:
        accounts = accounts.filter(segment=filters.segment)
    if filters.renewal_within:
        accounts = accounts.filter(
            renewal_date__gte=today,
            renewal_date__lte=today + timedelta(days=filters.renewal_within),
        )
    if filters.q:
        accounts = accounts.filter(name__icontains=filters.q.strip())
    if filters.csm:
        accounts = accounts.filter(csm__username=filters.csm)
    return accounts


def book_counts(user, csm: str = "") -> dict:
    """The numbers at the top of the book: ARR at risk, RAG mix, renewals without engagement
    (those renewing in the next 120 days, and every account with the flag)."""
    accounts = active_book(user)
    if csm:
        accounts = accounts.filter(csm__username=csm)
    at_risk = Q(current_health__rag__in=AT_RISK_RAGS)
    rwe = Q(current_health__flag_codes__contains=",renewal_without_engagement,")
    counts = accounts.aggregate(
        accounts=Count("pk"),
        arr_total=Coalesce(Sum("arr"), Value(0), output_field=DecimalField()),
        arr_at_risk=Coalesce(Sum("arr", filter=at_risk), Value(0), output_field=DecimalField()),
        red=Count("pk", filter=Q(current_health__rag="red")),
        amber=Count("pk", filter=Q(current_health__rag="amber")),
        green=Count("pk", filter=Q(current_health__rag="green")),
        unknown=Count("pk", filter=Q(current_health__rag="unknown")),
        unscored=Count("pk", filter=Q(current_health__isnull=True)),
        renewals_without_engagement=Count(
            "pk", filter=rwe & Q(renewal_date__lte=timezone.now().date() + timedelta(days=120))
        ),
        # The flag also marks accounts that just renewed: the portfolio's count of it.
        flagged_renewal_without_engagement=Count("pk", filter=rwe),
        stale=Count("pk", filter=Q(current_health__flag_codes__contains=",stale_data,")),
    )
    return counts


def book_segments(user) -> list[tuple[str, str]]:
    """The segments of the user's book (segments are data: any short code), with labels."""
    codes = active_book(user).order_by().values_list("segment", flat=True).distinct()
    return [(code, segment_label(code)) for code in sorted(codes)]


def flag_chips(flag_codes: str) -> list[dict]:
    codes = [code for code in flag_codes.strip(",").split(",") if code]
    return [{"code": code, "label": FLAG_LABELS.get(code, code)} for code in codes]
