"""Reads of the Product lens: each roadmap item, the accounts it was promised to, and what
rides on it.

Who sees what: a product manager, a VP and a finance analyst see every item; anyone else sees
the items promised to an account they can see. Under an item, everyone sees only the accounts
`accounts_visible_to` gives them. Changing an item is for product managers and VPs.

The page costs one query per figure family whatever the size of the portfolio: the items, the
promises' figures (one compact row each, summed in pandas), and the words of the few promises
shown under each item.
"""

import pandas as pd
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from accounts import rules
from accounts.models import Commitment, ProductStatus, RoadmapItem
from accounts.roles import Role, user_role
from accounts.selectors import accounts_visible_to

SEES_WHOLE_ROADMAP = (Role.PRODUCT, Role.VP, Role.FINANCE)
CHANGES_ROADMAP = (Role.PRODUCT, Role.VP)
# The promises listed under each item on the page, riskiest first; the CSV has them all.
SHOWN_PER_ITEM = 20
RAG_RANK = {"red": 0, "amber": 1, "green": 2, "unknown": 3}
FIGURE_FIELDS = {
    "pk": "pk", "item": "roadmap_item_id", "account": "account_id", "arr": "account__arr",
    "renewal_date": "account__renewal_date", "rag": "account__current_health__rag",
}  # fmt: skip


def roadmap_may_change(user) -> bool:
    return user_role(user) in CHANGES_ROADMAP


def roadmap_items_visible_to(user) -> QuerySet[RoadmapItem]:
    if user_role(user) in SEES_WHOLE_ROADMAP:
        return RoadmapItem.objects.all()
    promised = roadmap_commitments_visible_to(user).filter(roadmap_item=OuterRef("pk"))
    return RoadmapItem.objects.filter(Exists(promised))


def roadmap_commitments_visible_to(user) -> QuerySet[Commitment]:
    """The commitments riding on a roadmap item, on the accounts the user may see."""
    visible = accounts_visible_to(user)
    return Commitment.objects.filter(roadmap_item__isnull=False, account__in=visible)


def promise_figures(commitments: QuerySet[Commitment]) -> pd.DataFrame:
    """One row per promise: its item, account, ARR, renewal date, colour and whether it is a
    commitment gap today (the scorer's own rule)."""
    gap = rules.flagged(rules.commitment_gap(timezone.localdate()))
    rows = commitments.annotate(gap=gap).values_list(*FIGURE_FIELDS.values(), "gap")
    frame = pd.DataFrame.from_records(list(rows), columns=[*FIGURE_FIELDS, "gap"])
    frame["arr"] = frame["arr"].astype(float)
    frame["rag"] = frame["rag"].fillna("unknown")
    frame["at_risk"] = frame["rag"].isin(("red", "amber"))
    frame["rag_rank"] = frame["rag"].map(RAG_RANK)
    return frame


def riskiest_first(frame: pd.DataFrame) -> pd.DataFrame:
    """Promises in a gap first, then red before amber before the rest, soonest renewal, ARR."""
    keys = ["gap", "rag_rank", "renewal_date", "arr"]
    return frame.sort_values(keys, ascending=[False, True, True, False], na_position="last")


def item_figures(frame: pd.DataFrame) -> pd.DataFrame:
    """Per item: accounts, their ARR, red and amber accounts, accounts and ARR in a gap, the
    next renewal. An account promised an item twice counts once."""
    per_account = frame.groupby(["item", "account"]).agg(
        arr=("arr", "first"), rag=("rag", "first"), gap=("gap", "any"),
        renewal_date=("renewal_date", "first"),
    )  # fmt: skip
    per_account["gap_arr"] = per_account["arr"].where(per_account["gap"], 0.0)
    figures = per_account.groupby(level="item").agg(
        accounts=("arr", "size"), arr=("arr", "sum"), gap_accounts=("gap", "sum"),
        gap_arr=("gap_arr", "sum"), red=("rag", lambda r: int((r == "red").sum())),
        amber=("rag", lambda r: int((r == "amber").sum())),
        next_renewal=("renewal_date", "min"),
    )  # fmt: skip
    figures["at_risk_arr"] = (
        per_account[per_account["rag"].isin(("red", "amber"))].groupby(level="item")["arr"].sum()
    )
    return figures.fillna({"at_risk_arr": 0.0})


def roadmap_page_data(user) -> dict:
    items = list(roadmap_items_visible_to(user))
    frame = promise_figures(roadmap_commitments_visible_to(user))
    figures = item_figures(frame) if len(frame) else pd.DataFrame()
    shown = (
        riskiest_first(frame).groupby("item", sort=False).head(SHOWN_PER_ITEM)
        if len(frame)
        else frame
    )
    words = _promise_words(shown["pk"].tolist())
    rows = [_item_row(item, figures, shown, words) for item in items]
    rows.sort(key=lambda r: (-r["gap_arr"], -r["at_risk_arr"], -r["arr"], r["item"].title))
    return {
        "items": rows,
        "may_change": roadmap_may_change(user),
        "statuses": ProductStatus.choices,
    }


def _promise_words(pks: list[int]) -> dict[int, dict]:
    rows = Commitment.objects.filter(pk__in=pks).values(
        "pk", "told_customer", "product_status", "account__name", "account_id"
    )
    return {row["pk"]: row for row in rows}


def _item_row(item, figures: pd.DataFrame, shown: pd.DataFrame, words: dict) -> dict:
    numbers = figures.loc[item.pk].to_dict() if item.pk in figures.index else {}
    promises = [
        _promise(row, words[row["pk"]])
        for row in shown[shown["item"] == item.pk].to_dict("records")
    ]
    return {
        "item": item,
        "accounts": int(numbers.get("accounts", 0)),
        "arr": float(numbers.get("arr", 0.0)),
        "gap_accounts": int(numbers.get("gap_accounts", 0)),
        "gap_arr": float(numbers.get("gap_arr", 0.0)),
        "at_risk_arr": float(numbers.get("at_risk_arr", 0.0)),
        "red": int(numbers.get("red", 0)),
        "amber": int(numbers.get("amber", 0)),
        "next_renewal": numbers.get("next_renewal"),
        "promises": promises,
    }


def _promise(figures: dict, words: dict) -> dict:
    return {
        "account_id": figures["account"],
        "account": words["account__name"],
        "arr": figures["arr"],
        "renewal_date": figures["renewal_date"],
        "rag": figures["rag"],
        "gap": bool(figures["gap"]),
        "told_customer": words["told_customer"],
        "product_status": ProductStatus(words["product_status"]).label,
    }


CSV_HEADER = [
    "roadmap_item", "product_status", "target_quarter", "account_id", "account", "arr",
    "renewal_date", "health", "told_customer", "commitment_status", "commitment_gap",
]  # fmt: skip


def roadmap_csv_rows(user):
    """Every promise the user may see, item by item, riskiest first within each."""
    gap = rules.flagged(rules.commitment_gap(timezone.localdate()))
    rows = (
        roadmap_commitments_visible_to(user)
        .annotate(gap=gap)
        .order_by("roadmap_item__title", "-gap", "account__renewal_date", "account_id")
        .values_list(
            "roadmap_item__title",
            "roadmap_item__product_status",
            "roadmap_item__target_quarter",
            "account_id",
            "account__name",
            "account__arr",
            "account__renewal_date",
            "account__current_health__rag",
            "told_customer",
            "product_status",
            "gap",
        )  # fmt: skip
    )
    for row in rows.iterator(chunk_size=2_000):
        *head, renewal, rag, told, status, in_gap = row
        yield [*head, renewal.isoformat() if renewal else "", rag or "unknown", told, status,
               "yes" if in_gap else "no"]  # fmt: skip
