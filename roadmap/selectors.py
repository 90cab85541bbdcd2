"""Reads of the Product lens: each roadmap item, the accounts it was promised to, and what
rides on it.

Who sees what: a product manager, a VP and a finance analyst see every item; anyone else sees
the items promised to an account they can see. Under an item, everyone sees only the accounts
`accounts_visible_to` gives them. Changing an item is for product managers and VPs.

The page costs one query per figure family whatever the size of the portfolio: the items, the
promises' figures with the riskiest promises of each item (one pass with window functions, so
only the rows shown leave the database), and the words of those promises.
"""

from django.contrib.postgres.aggregates import BoolOr
from django.db import connection
from django.db.models import Exists, Max, Min, OuterRef, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts import rules
from accounts.models import Commitment, ProductStatus, RoadmapItem
from accounts.roles import Role, user_role
from accounts.selectors import accounts_visible_to

SEES_WHOLE_ROADMAP = (Role.PRODUCT, Role.VP, Role.FINANCE)
CHANGES_ROADMAP = (Role.PRODUCT, Role.VP)
# The promises listed under each item on the page, riskiest first; the CSV has them all.
SHOWN_PER_ITEM = 20


def roadmap_may_change(user) -> bool:
    return user_role(user) in CHANGES_ROADMAP


def roadmap_items_visible_to(user) -> QuerySet[RoadmapItem]:
    if user_role(user) in SEES_WHOLE_ROADMAP:
        return RoadmapItem.objects.all()
    promised = roadmap_commitments_visible_to(user).filter(roadmap_item=OuterRef("pk"))
    return RoadmapItem.objects.filter(Exists(promised))


def roadmap_commitments_visible_to(user) -> QuerySet[Commitment]:
    """The commitments riding on a roadmap item, on the accounts the user may see.

    For the roles that see the whole roadmap, `accounts_visible_to` gives every account that
    carries a promise (a product manager's, a VP's, finance's), so the filter is skipped:
    at 100,000 accounts it cost a scan of the whole account table on every page."""
    promised = Commitment.objects.filter(roadmap_item__isnull=False)
    if user_role(user) in SEES_WHOLE_ROADMAP:
        return promised
    return promised.filter(account__in=accounts_visible_to(user))


def _per_account(user):
    """One row per item and account the user sees: ARR, renewal date, colour, and whether
    any of its promises on the item is a commitment gap today (the scorer's own rule)."""
    gap = rules.flagged(rules.commitment_gap(timezone.localdate()))
    return (
        roadmap_commitments_visible_to(user)
        .order_by()
        .values("roadmap_item_id", "account_id")
        .annotate(
            promise=Min("pk"),
            arr=Max("account__arr"),
            renewal_date=Max("account__renewal_date"),
            rag=Coalesce(Max("account__current_health__rag"), Value("unknown")),
            gap=BoolOr(gap),
        )  # fmt: skip
    )


# Each item's figures beside each of its accounts, and the accounts ranked riskiest first
# (in a gap, red before amber before the rest, soonest renewal, largest ARR): one pass over
# the promises, returning only the rows shown.
FIGURES_SQL = """
SELECT * FROM (
  SELECT p.roadmap_item_id AS item, p.account_id AS account, p.promise AS pk, p.arr, p.renewal_date,
         p.rag, p.gap,
         count(*) OVER w AS accounts, sum(p.arr) OVER w AS arr_total,
         count(*) FILTER (WHERE p.gap) OVER w AS gap_accounts,
         coalesce(sum(p.arr) FILTER (WHERE p.gap) OVER w, 0) AS gap_arr,
         count(*) FILTER (WHERE p.rag = 'red') OVER w AS red,
         count(*) FILTER (WHERE p.rag = 'amber') OVER w AS amber,
         coalesce(sum(p.arr) FILTER (WHERE p.rag IN ('red', 'amber')) OVER w, 0) AS at_risk_arr,
         min(p.renewal_date) OVER w AS next_renewal,
         row_number() OVER (
           PARTITION BY p.roadmap_item_id
           ORDER BY p.gap DESC,
                    CASE p.rag WHEN 'red' THEN 0 WHEN 'amber' THEN 1 ELSE 2 END,
                    p.renewal_date ASC NULLS LAST, p.arr DESC, p.account_id
         ) AS rank
  FROM ({promises}) p
  WINDOW w AS (PARTITION BY p.roadmap_item_id)
) ranked WHERE rank <= %s ORDER BY item, rank
"""
ITEM_FIGURES = ("accounts", "arr_total", "gap_accounts", "gap_arr", "red", "amber",
                "at_risk_arr", "next_renewal")  # fmt: skip


def promise_figures(user) -> tuple[dict[int, dict], dict[int, list[dict]]]:
    """Each item's figures, and its riskiest SHOWN_PER_ITEM accounts, by item id. An account
    promised an item twice counts once."""
    inner, params = _per_account(user).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(FIGURES_SQL.format(promises=inner), [*params, SHOWN_PER_ITEM])
        names = [column.name for column in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    figures, shown = {}, {}
    for row in rows:
        figures.setdefault(row["item"], {name: row[name] for name in ITEM_FIGURES})
        shown.setdefault(row["item"], []).append(row)
    return figures, shown


def roadmap_page_data(user) -> dict:
    items = list(roadmap_items_visible_to(user))
    figures, shown = promise_figures(user)
    words = _promise_words([row["pk"] for rows in shown.values() for row in rows])
    rows = [
        _item_row(item, figures.get(item.pk, {}), shown.get(item.pk, []), words) for item in items
    ]
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


def _item_row(item, numbers: dict, shown: list[dict], words: dict) -> dict:
    return {
        "item": item,
        "accounts": int(numbers.get("accounts", 0)),
        "arr": float(numbers.get("arr_total") or 0),
        "gap_accounts": int(numbers.get("gap_accounts", 0)),
        "gap_arr": float(numbers.get("gap_arr") or 0),
        "at_risk_arr": float(numbers.get("at_risk_arr") or 0),
        "red": int(numbers.get("red", 0)),
        "amber": int(numbers.get("amber", 0)),
        "next_renewal": numbers.get("next_renewal"),
        "promises": [_promise(row, words[row["pk"]]) for row in shown],
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
