"""Every table on the book and the portfolio as CSV (`?format=csv`, the page's own filters).

The book streams: rows are read with a server-side cursor in chunks and written out as they
come, so a VP's 100,000 accounts never sit in memory as a list. Portfolio tables are small
aggregates (a row per flag, CSM, month or quarter) built by the same selectors as the page.
Numbers are plain (ARR in currency units, dates ISO), not the page's "$1.2M". Every file is
written by candor.spreadsheet's writer, so no cell can run as a formula in a spreadsheet.
"""

from collections.abc import Callable

from django.http import HttpResponseBadRequest, StreamingHttpResponse

from accounts.models import Segment
from candor.spreadsheet import csv_response
from dashboard.book import BookFilters, book_queryset, flag_chips
from dashboard.portfolio_page import riskiest_accounts
from health.board import arr_at_risk_by_month, renewals_by_quarter
from health.portfolio import commitment_debt, csm_trend, portfolio_rollup, score_validity, summarise
from health.scoring.explain import explain

CHUNK = 2_000


BOOK_HEADER = [
    "account_id", "external_id", "account", "segment", "health", "score", "change_30d", "flags",
    "arr", "renewal_date", "last_activity_at", "why", "csm",
]  # fmt: skip


BOOK_FIELDS = [
    "pk", "external_id", "name", "segment", "current_health__rag", "current_health__overall",
    "change_30d", "current_health__flag_codes", "arr", "renewal_date",
    "current_health__last_signal_at", "current_health__score__facts", "csm__username",
]  # fmt: skip
SEGMENTS = dict(Segment.choices)


def book_csv(user, filters: BookFilters) -> StreamingHttpResponse:
    """The book with its filters and sort, every page of it: plain values (no model instances)
    read in chunks, the "why" worded from each score's stored facts as the page words it."""
    rows = book_queryset(user, filters).values_list(*BOOK_FIELDS).iterator(CHUNK)
    return csv_response("book", BOOK_HEADER, (_book_row(*row) for row in rows))


def _book_row(pk, external_id, name, segment, rag, overall, change, flag_codes, arr, renewal,
              last_signal_at, facts, csm) -> list:  # fmt: skip
    why = explain(facts, flag_codes, overall)["reasons"] if facts is not None else []
    return [
        pk, external_id, name, SEGMENTS.get(segment, segment), rag or "unscored",
        _round(overall), _round(change),
        "; ".join(chip["label"] for chip in flag_chips(flag_codes or "")), arr,
        renewal.isoformat(), last_signal_at.isoformat() if last_signal_at else "",
        why[0] if why else "", csm,
    ]  # fmt: skip


def _round(value, digits: int = 1):
    return "" if value is None else round(value, digits)


def _arr_by_flag(accounts):
    header = ["flag", "label", "accounts", "arr"]
    by_flag = summarise(portfolio_rollup(accounts))["by_flag"]
    return header, [
        [code, row["label"], row["accounts"], row["arr"]] for code, row in by_flag.items()
    ]


def _books_by_csm(accounts):
    header = ["csm", "accounts", "red", "amber", "green", "arr", "arr_at_risk", "average_score",
              "average_score_30_days_ago", "change", "unknown"]  # fmt: skip
    rollup = portfolio_rollup(accounts)
    trend = csm_trend(accounts, rollup)
    rows = [
        [csm, row["accounts"], row["red"], row["amber"], row["green"], row["arr"],
         row["arr_at_risk"], _round(trend.get(csm, {}).get("now")),
         _round(trend.get(csm, {}).get("then")), _round(trend.get(csm, {}).get("change")),
         row["unknown"]]
        for csm, row in summarise(rollup)["by_csm"].items()
    ]  # fmt: skip
    return header, rows


def _commitment_debt(accounts):
    header = ["deal_age", "commitments", "accounts", "overdue", "uncommitted", "committed_overdue"]
    rows = [
        [row["label"], row["commitments"], row["accounts"], row["overdue"], row["uncommitted"],
         row["committed_overdue"]]
        for row in commitment_debt(accounts)
    ]  # fmt: skip
    return header, rows


def _riskiest_accounts(accounts):
    header = ["account_id", "account", "health", "score", "arr", "renewal_date", "csm"]
    rows = [
        [a.pk, a.name, getattr(getattr(a, "current_health", None), "rag", "unscored"),
         _round(getattr(getattr(a, "current_health", None), "overall", None)), a.arr,
         a.renewal_date.isoformat(), a.csm.username]
        for a in riskiest_accounts(accounts)
    ]  # fmt: skip
    return header, rows


def _score_validity(accounts):
    keys = ["churned_caught", "churned_missed", "churned_unknown", "renewed_green",
            "renewed_flagged", "renewed_unknown", "churned_caught_share"]  # fmt: skip
    rows = [
        [row["horizon"], *(row[key] for key in keys)] for row in score_validity(accounts)["rows"]
    ]
    return ["days_before_outcome", *keys], rows


def _arr_at_risk_by_month(accounts):
    keys = ["accounts", "arr", "red_arr", "amber_arr", "at_risk_arr", "at_risk_accounts",
            "unknown_arr"]  # fmt: skip
    rows = [
        [row["month_end"].isoformat(), row["as_of"].isoformat() if row["as_of"] else "",
         *(row[key] for key in keys)]
        for row in arr_at_risk_by_month(accounts)
    ]  # fmt: skip
    return ["month_end", "scored_as_of", *keys], rows


def _renewals_by_quarter(accounts):
    rags = ("red", "amber", "green", "unscored")
    header = ["quarter", "starts", *(f"{rag}_{what}" for rag in rags for what in ("accounts", "arr")),
              "accounts", "arr", "unknown_accounts", "unknown_arr"]  # fmt: skip
    rows = [
        [row["label"], row["quarter"].isoformat(),
         *(row[rag][what] for rag in rags for what in ("accounts", "arr")), row["accounts"], row["arr"],
         row["unknown"]["accounts"], row["unknown"]["arr"]]
        for row in renewals_by_quarter(accounts)
    ]  # fmt: skip
    return header, rows


PORTFOLIO_TABLES: dict[str, Callable] = {
    "arr_at_risk_by_month": _arr_at_risk_by_month,
    "renewals_by_quarter": _renewals_by_quarter,
    "arr_by_flag": _arr_by_flag,
    "books_by_csm": _books_by_csm,
    "commitment_debt": _commitment_debt,
    "riskiest_accounts": _riskiest_accounts,
    "score_validity": _score_validity,
}


def portfolio_csv(accounts, table: str):
    """One of the portfolio's tables as CSV, or a 400 that names the tables there are."""
    build = PORTFOLIO_TABLES.get(table)
    if build is None:
        names = ", ".join(PORTFOLIO_TABLES)
        return HttpResponseBadRequest(
            f"Unknown table '{table}'. Ask for ?format=csv&table= one of: {names}.",
            content_type="text/plain; charset=utf-8",
        )
    header, rows = build(accounts)
    return csv_response(table.replace("_", "-"), header, rows)
