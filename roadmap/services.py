"""Writes of the Product lens: roadmap items, and a change of an item's status carried to every
promise that rides on it, in one transaction.

When product moves an item, each commitment linked to it takes the new status; the accounts
carrying them are rescored once the write has committed (so `commitment_gap` opens where the
customer was told it is coming and product now says under consideration or declined, and
closes where it ships); each promise gets a RoadmapChange, which the account's timeline shows;
and where a gap opens, the account's CSM gets an action to talk to the customer first.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts import rules
from accounts.models import ProductStatus, RoadmapItem
from accounts.services import account_rescore_on_commit
from actions.models import Action, ActionStatus
from actions.services import action_create
from roadmap.models import RoadmapChange

ITEM_FIELDS = ("title", "product_status", "target_quarter", "description")
# The CSM should tell the customer before the customer asks.
ACTION_DUE_DAYS = 7


@transaction.atomic
def roadmap_item_create(*, by, **fields) -> RoadmapItem:
    """A new roadmap item (nothing rides on it yet, so nothing else changes)."""
    item = RoadmapItem(**_known(fields))
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def roadmap_item_update(*, item: RoadmapItem, by, **changes) -> RoadmapItem:
    """Change an item. A bad field raises ValidationError before anything is written; a new
    `product_status` is applied to its commitments (see the module's docstring)."""
    item = RoadmapItem.objects.select_for_update().get(pk=item.pk)
    before = item.product_status
    for name, value in _known(changes).items():
        setattr(item, name, value)
    item.full_clean()
    item.save()
    if item.product_status != before:
        roadmap_status_apply(item=item, by=by)
    return item


def _known(fields: dict) -> dict:
    unknown = set(fields) - set(ITEM_FIELDS)
    if unknown:
        raise ValueError(f"Not a roadmap item's field: {', '.join(sorted(unknown))}.")
    return fields


def roadmap_status_apply(*, item: RoadmapItem, by) -> list[RoadmapChange]:
    """Carry the item's new status to its commitments, record the change on each account
    (from the status each commitment had), raise an action where a gap opens, and rescore
    the accounts once committed."""
    today = timezone.localdate()
    gap = rules.flagged(rules.commitment_gap(today))
    locked = item.commitments.select_for_update(of=("self",)).select_related("account__csm")
    promises = list(locked.annotate(gap=gap))
    item.commitments.update(product_status=item.product_status)
    now_gap = dict(item.commitments.annotate(gap=gap).values_list("pk", "gap"))
    changes = [
        RoadmapChange(
            account=commitment.account,
            item=item,
            from_status=commitment.product_status,
            to_status=item.product_status,
            told_customer=commitment.told_customer,
            gap_opened=now_gap[commitment.pk] and not commitment.gap,
            gap_closed=commitment.gap and not now_gap[commitment.pk],
            by=by,
        )
        for commitment in promises
    ]
    RoadmapChange.objects.bulk_create(changes)
    for change in changes:
        if change.gap_opened:
            _ask_csm(change, today)
    account_rescore_on_commit(account_ids=[change.account_id for change in changes])
    return changes


def gap_action_title(item: RoadmapItem) -> str:
    label = ProductStatus(item.product_status).label.lower()
    return f"Roadmap: tell the customer '{item.title}' is now {label}"[:200]


def _ask_csm(change: RoadmapChange, today) -> None:
    """An action for the account's CSM, unless one for this item is already open."""
    account, title = change.account, gap_action_title(change.item)
    if Action.objects.filter(account=account, title=title, status=ActionStatus.OPEN).exists():
        return
    told = change.told_customer.strip() or "that it is coming"
    action_create(
        account=account,
        title=title,
        owner=account.csm,
        reason=f"They were told “{told}”; product now says {change.get_to_status_display()}.",
        due_on=today + timedelta(days=ACTION_DUE_DAYS),
    )
