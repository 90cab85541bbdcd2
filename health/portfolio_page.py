"""Assembles the VP's portfolio screen from the portfolio selectors."""

from health import charts
from health.dashboard import BookFilters, book_queryset
from health.portfolio import (
    commitment_debt,
    csm_trend,
    lying_dashboards,
    portfolio_summary,
    score_validity,
)


def portfolio_page_data(accounts) -> dict:
    summary = portfolio_summary(accounts)
    return {
        "summary": summary,
        "lying": lying_dashboards(accounts),
        "trend": csm_trend(accounts),
        "debt": commitment_debt(accounts),
        "validity": score_validity(accounts),
        "custom_terms": summary["by_flag"]["custom_terms"],
        "riskiest": riskiest_accounts(accounts),
        "chart_arr_by_rag": charts.arr_by_rag(summary["by_rag"]),
        "chart_arr_by_flag": charts.arr_by_flag(summary["by_flag"]),
        "chart_rag_by_csm": charts.rag_by_csm(summary["by_csm"]),
    }


def riskiest_accounts(accounts, limit: int = 15):
    """The top of the risk ordering across the whole portfolio."""
    queryset = book_queryset(None, BookFilters(), base=accounts)
    return list(queryset[:limit])
