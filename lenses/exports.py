"""The lenses' tables as CSV (`?format=csv&table=`), from the same figures the pages show, and
the drill-down lists' rows. Numbers plain, dates ISO; candor.spreadsheet makes every cell safe."""

import json

from django.http import HttpResponseBadRequest

from candor.spreadsheet import csv_response
from lenses.figures import describe_deviations

SALES_KEYS = [
    "deals", "arr", "handoff_complete", "handoff_complete_share", "median_days_to_kickoff",
    "commitments_before_signature", "unscoped_before_signature", "scored_at_90_days",
    "average_score_at_90_days", "at_risk_at_90_days", "scored_today", "average_score_today",
    "at_risk_today", "starting_arr", "churned_arr", "grr",
]  # fmt: skip


def _sales_table(keys: list[str], name: str):
    def build(lens):
        return keys + SALES_KEYS, [
            [row.get(k, "") for k in keys + SALES_KEYS] for row in lens[name]
        ]

    return build


def _structures(lens):
    header = ["structure", "deviations", "accounts", "arr"]
    rows = [
        [row["key"], row["deviations"], row["accounts"], row["arr"]] for row in lens["by_structure"]
    ]
    return header, rows


def _deviations(lens):
    header = ["term", "value", "accounts", "arr"]
    return header, [[r["term"], json.dumps(r["value"]), r["accounts"], r["arr"]]
                    for r in lens["deviations"]]  # fmt: skip


def _renewals(lens):
    header = ["account_id", "account", "arr", "renewal_date", "deviations", "health", "csm"]
    rows = [
        [r["account_id"], r["name"], r["arr"], r["renewal_date"].isoformat(), r["deviations"],
         r["rag"] or "unscored", r["csm"]]
        for r in lens["renewals"]
    ]  # fmt: skip
    return header, rows


OUTCOME_KEYS = ["terms", "accounts", "arr", "churned_accounts", "churned_arr", "grr", "nrr",
                "scored", "average_score", "at_risk_accounts", "at_risk_arr"]  # fmt: skip


def _outcomes(lens):
    return OUTCOME_KEYS, [[row[k] for k in OUTCOME_KEYS] for row in lens["outcomes"]]


SALES_TABLES = {
    "by_seller": _sales_table(["ae", "quarter"], "by_seller"),
    "by_quarter": _sales_table(["quarter"], "by_quarter"),
}
TERMS_TABLES = {
    "structures": _structures,
    "deviations": _deviations,
    "renewals": _renewals,
    "outcomes": _outcomes,
}


def lens_csv(page: str, tables: dict, lens: dict, table: str):
    """One of a lens's tables as CSV, or a 400 that names the tables there are."""
    build = tables.get(table)
    if build is None:
        names = ", ".join(tables)
        return HttpResponseBadRequest(
            f"Unknown table '{table}'. Ask for ?format=csv&table= one of: {names}.",
            content_type="text/plain; charset=utf-8",
        )
    header, rows = build(lens)
    return csv_response(f"{page}-{table.replace('_', '-')}", header, rows)


DEAL_FIELDS = ["pk", "name", "sales_owner__username", "closed_on", "contract_start", "arr",
               "outcome", "current_health__rag", "csm__username"]  # fmt: skip


def deal_rows(deals):
    return deals.order_by("-closed_on", "pk").values(*DEAL_FIELDS)


def deals_csv(rows):
    header = ["account_id", "account", "account_executive", "closed_on", "contract_start", "arr",
              "outcome", "health", "csm"]  # fmt: skip
    return csv_response("sales-deals", header, (
        [r["pk"], r["name"], r["sales_owner__username"] or "", r["closed_on"].isoformat(),
         r["contract_start"].isoformat(), r["arr"], r["outcome"],
         r["current_health__rag"] or "unscored", r["csm__username"]]
        for r in rows.iterator(2_000)
    ))  # fmt: skip


TERM_FIELDS = ["pk", "name", "arr", "renewal_date", "deal_terms", "deviating_terms",
               "current_health__rag", "csm__username"]  # fmt: skip


def term_rows(accounts):
    return accounts.order_by("-arr", "pk").values(*TERM_FIELDS)


def with_deviations(row: dict) -> dict:
    return row | {"deviations": describe_deviations(row["deal_terms"], row["deviating_terms"])}


def term_accounts_csv(rows):
    header = ["account_id", "account", "arr", "renewal_date", "deviations", "health", "csm"]
    return csv_response("terms-accounts", header, (
        [r["pk"], r["name"], r["arr"], r["renewal_date"].isoformat(),
         describe_deviations(r["deal_terms"], r["deviating_terms"]),
         r["current_health__rag"] or "unscored", r["csm__username"]]
        for r in rows.iterator(2_000)
    ))  # fmt: skip
