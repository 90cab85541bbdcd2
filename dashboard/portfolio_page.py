"""Assembles the VP's portfolio screen from the portfolio selectors."""

from accounts.models import Account
from dashboard import charts
from dashboard.book import RISK_PER_ARR, BookFilters, book_queryset
from health.board import arr_at_risk_by_month, renewals_by_quarter
from health.portfolio import (
    commitment_debt,
    csm_trend,
    lying_dashboards,
    portfolio_rollup,
    score_validity_remembered,
    summarise,
)

SEED_FACTOR = 10


def portfolio_page_data(accounts) -> dict:
    rollup = portfolio_rollup(accounts)
    summary = summarise(rollup)
    months, renewals = arr_at_risk_by_month(accounts), renewals_by_quarter(accounts)
    return {
        "board_months": months,
        "board_renewals": renewals,
        "chart_arr_at_risk_trend": charts.arr_at_risk_trend(months),
        "chart_renewals_by_quarter": charts.renewals_by_quarter(renewals),
        "summary": summary,
        "lying": lying_dashboards(rollup),
        "trend": csm_trend(accounts, rollup),
        "debt": commitment_debt(accounts),
        "validity": score_validity_remembered(accounts),
        "custom_terms": summary["by_flag"]["custom_terms"],
        "riskiest": riskiest_accounts(accounts),
        "chart_arr_by_rag": charts.arr_by_rag(summary["by_rag"]),
        "chart_arr_by_flag": charts.arr_by_flag(summary["by_flag"]),
        "chart_rag_by_csm": charts.rag_by_csm(summary["by_csm"]),
    }


def riskiest_accounts(accounts, limit: int = 15) -> list[Account]:
    """The top of the risk ordering across the whole portfolio, without ranking every account.

    No account's risk exceeds RISK_PER_ARR x its ARR. Any `limit` accounts bound the riskiest
    from below: the riskiest all have risk >= the limit-th best risk among them, hence ARR >=
    that risk / RISK_PER_ARR. Seeding from the largest ARRs (an index range) makes the bound
    tight, so the exact ranking sorts a few thousand accounts, not the portfolio.
    """
    ranked = book_queryset(None, BookFilters(), base=accounts)
    seeds = ranked.order_by("-arr", "pk").values_list("risk", flat=True)[: limit * SEED_FACTOR]
    risks = sorted(seeds, reverse=True)
    if len(risks) >= limit:
        ranked = ranked.filter(arr__gte=risks[limit - 1] / RISK_PER_ARR)
    ids = list(ranked.values_list("pk", flat=True)[:limit])
    shown = Account.objects.select_related("current_health", "csm").in_bulk(ids)
    return [shown[pk] for pk in ids]
