"""Assembles the VP's portfolio screen from the portfolio selectors."""

from django.core.cache import cache
from django.utils import timezone

from accounts.models import Account
from dashboard import charts
from dashboard.book import RISK_PER_ARR, BookFilters, book_queryset
from health.backtest import BacktestWindow, backtest_remembered
from health.forecast_backtest import forecast_backtest_remembered
from health.portfolio import commitment_debt, lying_dashboards, summarise
from health.portfolio_figures import FIGURES_SECONDS, portfolio_figures
from health.scoring.constants import COMPONENTS
from health.selectors import calibration_proposals_pending, churn_model_evidence

SEED_FACTOR = 10
# Issue 12's bar for a score worth trusting, shown beside what the backtest found.
TARGETS = {"auc": 0.75, "recall_60": 0.70, "green_churn_rate": 0.05}


def portfolio_page_data(accounts) -> dict:
    """The page's figures: the aggregates the last scoring run computed (portfolio_figures),
    what is drawn from them alone (once per version of them), and what is cheap enough to read
    on each request."""
    figures = portfolio_figures(accounts)
    drawn = _drawn_remembered(figures) if "version" in figures else _drawn(figures)
    summary = drawn["summary"]
    return {
        **drawn,
        "figures_version": figures.get("version"),
        "board_months": figures["board_months"],
        "board_renewals": figures["board_renewals"],
        "trend": figures["trend"],
        "debt": commitment_debt(accounts),
        "validity": figures["validity"],
        "backtest": backtest_remembered(
            window=BacktestWindow.default(timezone.now().date()), compute=False
        ),
        "proposals": proposals_with_evidence(),
        "churn_model": churn_model_evidence(),
        "forecast_backtest": forecast_backtest_remembered(),
        "targets": TARGETS,
        "custom_terms": summary["by_flag"]["custom_terms"],
        "riskiest": riskiest_accounts(accounts),
    }


def portfolio_drawn_remember(**kwargs) -> None:
    """health's `portfolio_scored` receiver: the whole portfolio's charts, drawn now from the
    figures the run has just computed."""
    _drawn_remembered(portfolio_figures(Account.objects.all()))


def _drawn_remembered(figures: dict) -> dict:
    """_drawn for a version of the whole portfolio's figures, computed by the first request
    that reads that version: the charts of 300 CSMs are ~100 ms of plotly a request."""
    key = f"candor:portfolio-drawn:{figures['version']}"
    return cache.get_or_set(key, lambda: _drawn(figures), FIGURES_SECONDS)


def _drawn(figures: dict) -> dict:
    """What the page derives from the figures alone: the summary, the lying dashboards and the
    charts."""
    rollup = figures["rollup"]
    summary = summarise(rollup)
    return {
        "summary": summary,
        "lying": lying_dashboards(rollup),
        "chart_arr_at_risk_trend": charts.arr_at_risk_trend(figures["board_months"]),
        "chart_renewals_by_quarter": charts.renewals_by_quarter(figures["board_renewals"]),
        "chart_arr_by_rag": charts.arr_by_rag(summary["by_rag"]),
        "chart_arr_by_flag": charts.arr_by_flag(summary["by_flag"]),
        "chart_rag_by_csm": charts.rag_by_csm(summary["by_csm"]),
    }


NOT_WEIGHED = "—"  # a component a report written before it existed does not name


def proposals_with_evidence() -> list:
    """Pending calibrated proposals, each with its live and proposed settings side by side and
    the flags its training found predictive."""
    proposals = calibration_proposals_pending()
    for proposal in proposals:
        report = proposal.calibration.report
        proposal.predictive_flags = [f for f in report.get("flags", []) if f["predicted_churn"]]
        proposal.settings = [
            (
                name.capitalize(),
                report["current_weights"].get(name, NOT_WEIGHED),
                report["proposed_weights"].get(name, NOT_WEIGHED),
            )
            for name in COMPONENTS
        ] + [
            (
                f"{rag.capitalize()} from",
                report["current_thresholds"][rag],
                proposal.thresholds[rag],
            )
            for rag in ("green", "amber")
        ]
    return proposals


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
