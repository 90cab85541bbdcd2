"""The Sales and Finance lenses' figures: pure, frames in, rows out (no ORM, no clock).

lenses.selectors reads the frames (one query per figure family) and hands them here, so each
figure is checked on a small hand-computed portfolio without a database. Churned ARR and gross
retention are accounts.retention's, the portfolio's one definition (docs/RETENTION.md).
"""

import json
from datetime import date

import pandas as pd

from accounts import retention
from health.models import AT_RISK_RAGS

# The columns lenses.selectors.deal_frame reads, one row per deal (an account with a close date).
DEAL_COLUMNS = [
    "account_id", "ae", "closed_on", "contract_start", "arr", "churned_on", "handoff_missing",
    "kickoff_on", "rag_90", "score_90", "rag_now", "score_now",
]  # fmt: skip
HEALTH_DAYS = 90
NO_AE = ""


def sales_rows(deals: pd.DataFrame, changes: pd.DataFrame, today: date, by: list[str]) -> list:
    """One row per group of deals (`by`: ["ae", "quarter"] or ["quarter"]), oldest quarter first.

    `deals`: DEAL_COLUMNS plus `commitments` and `unscoped` (made on or before the close);
    `changes`: account_id, valid_from, arr (the ARR history retention reads)."""
    if deals.empty:
        return []
    deals = with_deal_facts(deals, today).join(_retention_per_deal(deals, changes, today))
    deals["counted"] = deals["starting"].notna()
    rows = []
    for keys, group in deals.groupby(by, sort=True):
        keys = keys if isinstance(keys, tuple) else (keys,)
        rows.append(dict(zip(by, keys, strict=True)) | group_figures(group))
    return sorted(rows, key=lambda row: (row["quarter"], row.get("ae", "")))


def with_deal_facts(deals: pd.DataFrame, today: date) -> pd.DataFrame:
    """Each deal's close quarter, whether its handoff was complete, its days to kickoff and
    whether its 90th day has come."""
    deals = deals.copy()
    closed = pd.to_datetime(deals["closed_on"])
    deals["ae"] = deals["ae"].fillna(NO_AE)
    deals["quarter"] = closed.dt.year.astype(str) + "-Q" + closed.dt.quarter.astype(str)
    deals["handoff_complete"] = deals["handoff_missing"] == 0
    kickoff = pd.to_datetime(deals["kickoff_on"]).fillna(pd.to_datetime(deals["contract_start"]))
    deals["days_to_kickoff"] = (kickoff - closed).dt.days
    deals["day_90_passed"] = closed + pd.Timedelta(days=HEALTH_DAYS) <= pd.Timestamp(today)
    return deals


def _retention_per_deal(deals: pd.DataFrame, changes: pd.DataFrame, today) -> pd.DataFrame:
    """Each deal from its own contract start to today, as retention.by_cohort counts a cohort."""
    people = pd.DataFrame(
        {"id": deals["account_id"], "contract_start": pd.to_datetime(deals["contract_start"]),
         "churned_on": pd.to_datetime(deals["churned_on"])},
        index=deals.index,
    )  # fmt: skip
    started = people[people["contract_start"] <= pd.Timestamp(today)]
    return retention.per_account(started, changes, started["contract_start"], pd.Timestamp(today))


def group_figures(group: pd.DataFrame) -> dict:
    counted = group[group["counted"]]
    moved = retention.totals(counted.astype({"churned": bool}))
    active = group[group["churned_on"].isna()]
    return {
        "deals": len(group),
        "arr": float(group["arr"].sum()),
        "handoff_complete": int(group["handoff_complete"].sum()),
        "handoff_complete_share": _share(group["handoff_complete"].sum(), len(group)),
        "median_days_to_kickoff": _median(group["days_to_kickoff"]),
        "commitments_before_signature": int(group["commitments"].sum()),
        "unscoped_before_signature": int(group["unscoped"].sum()),
        **_health("at_90_days", group[group["day_90_passed"]], "rag_90", "score_90"),
        **_health("today", active, "rag_now", "score_now"),
        "starting_arr": moved["starting_arr"],
        "churned_arr": moved["churned_arr"],
        "grr": moved["grr"],
    }


def _health(prefix: str, deals: pd.DataFrame, rag: str, score: str) -> dict:
    """How many of `deals` had a score, their average and how many were at risk (red or amber,
    the portfolio's definition)."""
    scored = deals[deals[rag].notna() & (deals[rag] != "unknown")]
    return {
        f"scored_{prefix}": len(scored),
        f"average_score_{prefix}": _mean(scored[score]),
        f"at_risk_{prefix}": int(scored[rag].isin(AT_RISK_RAGS).sum()),
    }


def _share(part, whole):
    return round(float(part) / whole, 4) if whole else None


def _median(values: pd.Series):
    values = values.dropna()
    return None if values.empty else float(values.median())


def _mean(values: pd.Series):
    values = values.dropna().astype(float)
    return None if values.empty else round(float(values.mean()), 1)


# Finance: the deal-term structures.

STANDARD = "standard"
CUSTOM = "custom"


def structure_rows(structures: pd.DataFrame) -> dict:
    """`structures`: one row per distinct structure (structure: {term: value} of its deviations,
    {} the standard terms; accounts; arr). The count of structures, the share of accounts and
    ARR on standard terms, and the structures most common first."""
    total_accounts, total_arr = int(structures["accounts"].sum()), float(structures["arr"].sum())
    standard = structures[structures["structure"].map(len) == 0]
    ordered = structures.assign(
        deviations=structures["structure"].map(len),
        key=structures["structure"].map(lambda terms: json.dumps(terms, sort_keys=True)),
        label=structures["structure"].map(lambda terms: describe_deviations(terms, sorted(terms))),
    )
    ordered = ordered.sort_values(["accounts", "arr", "key"], ascending=[False, False, True])
    return {
        "structures": len(structures),
        "accounts": total_accounts,
        "arr": total_arr,
        "standard_accounts": int(standard["accounts"].sum()),
        "standard_arr": float(standard["arr"].sum()),
        "standard_account_share": _share(standard["accounts"].sum(), total_accounts),
        "standard_arr_share": _share(standard["arr"].sum(), total_arr) if total_arr else None,
        "by_structure": [
            {
                "structure": r.structure,
                "key": r.key,
                "label": r.label,
                "deviations": int(r.deviations),
                "accounts": int(r.accounts),
                "arr": float(r.arr),
            }
            for r in ordered.itertuples()
        ],  # fmt: skip
    }


def common_deviations(structures: pd.DataFrame, limit: int = 15) -> list[dict]:
    """Each deviation (a term and its value) with the accounts and ARR that carry it, most
    accounts first."""
    rows = [
        {"term": term, "value": value, "accounts": row.accounts, "arr": row.arr}
        for row in structures.itertuples()
        for term, value in row.structure.items()
    ]
    if not rows:
        return []
    frame = pd.DataFrame(rows)
    frame["value_key"] = frame["value"].map(repr)
    summed = frame.groupby(["term", "value_key"], sort=False).agg(
        value=("value", "first"), accounts=("accounts", "sum"), arr=("arr", "sum")
    )
    summed = summed.reset_index().sort_values(["accounts", "arr", "term"], ascending=[0, 0, 1])
    return [
        {
            "term": r.term,
            "value": r.value,
            "value_json": json.dumps(r.value),
            "accounts": int(r.accounts),
            "arr": float(r.arr),
        }
        for r in summed.head(limit).itertuples()
    ]


def terms_outcomes(accounts: pd.DataFrame, changes: pd.DataFrame, today: date) -> list[dict]:
    """Standard against custom terms: churn over the trailing twelve months (retention's
    window and definition) and today's health of the active accounts.

    `accounts`: id, contract_start, churned_on, standard (bool), arr, rag, score."""
    rows = []
    for label, standard in ((STANDARD, True), (CUSTOM, False)):
        group = accounts[accounts["standard"] == standard]
        year = retention.trailing_year(group, changes, today)
        active = group[group["churned_on"].isna()]
        scored = active[active["rag"].notna() & (active["rag"] != "unknown")]
        at_risk = scored["rag"].isin(AT_RISK_RAGS)
        rows.append({
            "terms": label, "accounts": len(active), "arr": float(active["arr"].sum()),
            "churned_accounts": int(((group["churned_on"] > pd.Timestamp(year["start"]))
                                     & (group["churned_on"] <= pd.Timestamp(today))).sum()),
            "churned_arr": year["churned_arr"], "grr": year["grr"], "nrr": year["nrr"],
            "scored": len(scored), "average_score": _mean(scored["score"]),
            "at_risk_accounts": int(at_risk.sum()),
            "at_risk_arr": float(scored.loc[at_risk, "arr"].sum()),
        })  # fmt: skip
    return rows


def describe_deviations(terms: dict, deviating: list[str]) -> str:
    """ "payment_terms: net_60; discount_pct: 15" """
    return "; ".join(f"{term}: {_value(terms.get(term))}" for term in deviating)


def _value(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
