"""The portfolio's aggregates, computed at the end of each scoring run and read by the page.

The VP's portfolio page shows figures over every account: the rollup by CSM, colour and flags,
the board (ARR at risk by month, renewals by quarter), the CSMs' trend and score validity. Each
is a set-based pass over 100,000 accounts or their history: too slow for every request, and
slowest on the first request after a run (each was remembered under the newest score). So the
run that changes them computes them for the whole portfolio once its scores are written
(`portfolio_figures_refresh`) and the page reads them (`portfolio_figures`).

Between runs, a rescore of a few accounts (after an ingest) leaves the figures as of the last
run; any edit of an account (its ARR, CSM, renewal or outcome) is in the key, so an edited
portfolio is computed afresh. A scope other than the whole portfolio is computed on request.
"""

import uuid

from django.core.cache import cache
from django.db.models import Count, Max

from accounts.models import Account
from health.board import arr_at_risk_by_month, renewals_by_quarter
from health.portfolio import (
    csm_trend,
    portfolio_rollup,
    score_validity,
    score_validity_remembered,
    whole_portfolio,
)

FIGURES_KEY = "candor:portfolio-figures"
FIGURES_SECONDS = 2 * 24 * 3600  # a nightly run refreshes them long before


def portfolio_figures(accounts) -> dict:
    """{rollup, board_months, board_renewals, trend, validity} over `accounts`: the last run's
    when they are the whole portfolio and no account changed since, computed otherwise. The
    whole portfolio's also carry `version`, new each time they are computed: what is drawn from
    them can be remembered under it."""
    if not whole_portfolio(accounts):
        return _computed(accounts, score_validity_remembered(accounts))
    edits = _edits()
    figures = cache.get(FIGURES_KEY)
    if figures is None or figures["edits"] != edits:
        figures = _remembered(edits)
    return figures


def portfolio_figures_refresh() -> dict:
    """Compute the whole portfolio's figures now (the end of a scoring run) for the page."""
    return _remembered(_edits())


def _remembered(edits: dict) -> dict:
    accounts = Account.objects.all()
    figures = {**_computed(accounts, score_validity(accounts)), "edits": edits}
    figures["version"] = uuid.uuid4().hex
    cache.set(FIGURES_KEY, figures, FIGURES_SECONDS)
    return figures


def _computed(accounts, validity: dict) -> dict:
    rollup = portfolio_rollup(accounts)
    return {
        "rollup": rollup,
        "board_months": arr_at_risk_by_month(accounts),
        "board_renewals": renewals_by_quarter(accounts),
        "trend": csm_trend(accounts, rollup),
        "validity": validity,
    }


def _edits() -> dict:
    """What an edit of any account changes: their number and the latest edit (one narrow pass)."""
    return Account.objects.aggregate(n=Count("pk"), edited=Max("updated_at"))
