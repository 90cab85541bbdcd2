"""The VP's board view: ARR at risk month by month from history, and renewals by quarter.

ARR at risk is the ARR of red and amber accounts. For each of the last twelve month ends, the
newest scoring day in that month is found through the day index (one probe per month), and only
that day's scores are read, from the same index (it carries computed_at and rag): twelve days of
history, never every score ever written, in one query. An account scored more than once that
day counts once, by its latest run. Each account counts at the ARR in force at that month end
(accounts.ArrChange), and not at all if its contract had not started or it had churned by then.
The figures are remembered until a score is written or an account or its ARR changes, as score
validity is.
"""

import hashlib
from datetime import date, timedelta

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Max, Sum
from django.db.models.functions import TruncQuarter
from django.utils import timezone

from accounts.models import ArrChange
from health.models import HealthScore

# Unknown (no data received yet) is counted apart, and is never at risk.
RAGS = ("red", "amber", "green", "unscored", "unknown")


def month_ends(today: date, months: int = 12) -> list[date]:
    """The last day of each of the previous months, oldest first, then today."""
    ends, first = [], today.replace(day=1)
    for _ in range(months - 1):
        first_of_previous = (first - timedelta(days=1)).replace(day=1)
        ends.append(first - timedelta(days=1))
        first = first_of_previous
    return [*reversed(ends), today]


def arr_at_risk_by_month(accounts, months: int = 12, today: date | None = None) -> list[dict]:
    """[{month_end, as_of, accounts, arr, red_arr, amber_arr, at_risk_arr, at_risk_accounts,
    at_risk_share, unknown_arr}] for each sampled month end, oldest first; as_of is None for a month with
    no scores. Remembered until a score is written or the accounts' ARR changes."""
    ends = month_ends(today or timezone.now().date(), months)
    version = accounts.aggregate(n=Count("pk"), arr=Sum("arr"), edited=Max("updated_at"))
    version["newest_score"] = HealthScore.objects.aggregate(newest=Max("pk"))["newest"]
    version |= ArrChange.objects.aggregate(changes=Count("pk"), newest_change=Max("pk"))
    inputs = f"{accounts.query}|{ends}|{sorted(version.items())}"
    key = f"candor:board-arr-at-risk:{hashlib.sha256(inputs.encode()).hexdigest()}"
    return cache.get_or_set(key, lambda: _arr_at_risk(accounts, ends), 24 * 3600)


def _arr_at_risk(accounts, ends: list[date]) -> list[dict]:
    """One query: per month end, its last scoring day (an index probe), that day's latest score
    per account (an index-only range scan, newest run first per account, no sort), joined to
    the accounts in scope that were customers then, each at the ARR in force that day."""
    table, changes = HealthScore._meta.db_table, ArrChange._meta.db_table
    scope, scope_params = (
        accounts.order_by()
        .values("id", "contract_start", "outcome", "outcome_on")
        .query.sql_with_params()
    )
    sql = f"""
        WITH days AS (
            SELECT m.month_end, (
                SELECT max(h.as_of) FROM {table} h
                WHERE h.as_of <= m.month_end AND h.as_of > m.month_end - 31
            ) AS as_of
            FROM unnest(%s::date[]) AS m(month_end)
        ), latest AS (
            SELECT d.month_end, l.account_id, l.rag FROM days d CROSS JOIN LATERAL (
                SELECT DISTINCT ON (h.account_id) h.account_id, h.rag FROM {table} h
                WHERE h.as_of = d.as_of ORDER BY h.account_id DESC, h.computed_at DESC
            ) l
        ), arr_periods AS (
            SELECT account_id, arr, valid_from,
                   lead(valid_from) OVER (PARTITION BY account_id ORDER BY valid_from) AS valid_to
            FROM {changes}
        ), scored AS (
            SELECT l.month_end, l.rag, p.arr FROM latest l
            JOIN ({scope}) a ON a.id = l.account_id
            JOIN arr_periods p ON p.account_id = l.account_id AND p.valid_from <= l.month_end
                AND (p.valid_to IS NULL OR p.valid_to > l.month_end)
            WHERE a.contract_start <= l.month_end
              AND (a.outcome <> 'churned' OR a.outcome_on > l.month_end)
        )
        SELECT d.month_end, d.as_of, count(s.arr), sum(s.arr),
               sum(s.arr) FILTER (WHERE s.rag = 'red'), sum(s.arr) FILTER (WHERE s.rag = 'amber'),
               count(s.arr) FILTER (WHERE s.rag IN ('red', 'amber')),
               sum(s.arr) FILTER (WHERE s.rag = 'unknown')
        FROM days d LEFT JOIN scored s ON s.month_end = d.month_end
        GROUP BY d.month_end, d.as_of ORDER BY d.month_end
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [ends, *scope_params])
        return [_month_row(*row) for row in cursor.fetchall()]


def _month_row(month_end, as_of, n, arr, red, amber, at_risk_n, unknown) -> dict:
    red, amber = float(red or 0), float(amber or 0)
    return {
        "month_end": month_end, "as_of": as_of if n else None, "accounts": n,
        "arr": float(arr or 0), "red_arr": red, "amber_arr": amber, "at_risk_arr": red + amber,
        "at_risk_accounts": at_risk_n,
        "at_risk_share": (red + amber) / float(arr) * 100 if arr else None,
        "unknown_arr": float(unknown or 0),
    }  # fmt: skip


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def quarter_label(start: date) -> str:
    return f"Q{(start.month - 1) // 3 + 1} {start.year}"


def renewals_by_quarter(accounts, quarters: int = 4, today: date | None = None) -> list[dict]:
    """Active accounts renewing from today to the end of the fourth quarter counting this one,
    by quarter and current colour: [{quarter, label, <rag>: {accounts, arr}, accounts, arr}]."""
    today = today or timezone.now().date()
    starts = [quarter_start(today)]
    for _ in range(quarters):
        starts.append(quarter_start(starts[-1] + timedelta(days=100)))
    rows = (
        accounts.exclude(outcome="churned")
        .filter(renewal_date__gte=today, renewal_date__lt=starts[-1])
        .annotate(quarter=TruncQuarter("renewal_date"))
        .values("quarter", "current_health__rag")
        .annotate(n=Count("pk"), arr_sum=Sum("arr"))
        .order_by()
    )
    table = {start: _empty_quarter(start) for start in starts[:-1]}
    for row in rows:
        quarter = table[row["quarter"]]
        cell = quarter[row["current_health__rag"] or "unscored"]
        cell["accounts"] += row["n"]
        cell["arr"] += float(row["arr_sum"] or 0)
        quarter["accounts"] += row["n"]
        quarter["arr"] += float(row["arr_sum"] or 0)
    return list(table.values())


def _empty_quarter(start: date) -> dict:
    return {"quarter": start, "label": quarter_label(start), "accounts": 0, "arr": 0.0,
            **{rag: {"accounts": 0, "arr": 0.0} for rag in RAGS}}  # fmt: skip
