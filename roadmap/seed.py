"""Roadmap items for the demo: one per promise the demo's commitments already make, so the
Product lens has a story on the first day.

Every other item (by title) is one product has not committed to, taking the status most of
its promises carry among under consideration and declined; the rest take their promises' most
common status. Only the commitments already at the item's status are linked to it, so seeding
changes no commitment's status and no account's score.
"""

from collections import Counter

from django.db import transaction
from django.db.models import Count

from accounts.models import Commitment, ProductStatus, RoadmapItem
from accounts.rules import UNCOMMITTED

TARGET_QUARTERS = ("2027-Q1", "2027-Q2", "2027-Q3")


@transaction.atomic
def roadmap_items_seed() -> int:
    """Create the demo's roadmap items and link their promises; nothing if items exist.
    Returns the number of items created."""
    if RoadmapItem.objects.exists():
        return 0
    counts: dict[str, Counter] = {}
    rows = Commitment.objects.values("title", "product_status").annotate(n=Count("pk"))
    for row in rows.order_by("title"):
        counts.setdefault(row["title"], Counter())[row["product_status"]] = row["n"]
    for index, (title, statuses) in enumerate(sorted(counts.items())):
        status = _status(statuses, uncommitted=index % 2 == 0)
        item = RoadmapItem.objects.create(
            title=title[:200], product_status=status,
            target_quarter="" if status == ProductStatus.SHIPPED
            else TARGET_QUARTERS[index % len(TARGET_QUARTERS)],
        )  # fmt: skip
        Commitment.objects.filter(title=title, product_status=status).update(roadmap_item=item)
    return len(counts)


def _status(statuses: Counter, *, uncommitted: bool) -> str:
    held = Counter({s: n for s, n in statuses.items() if s in UNCOMMITTED}) if uncommitted else {}
    return (held or statuses).most_common(1)[0][0]
