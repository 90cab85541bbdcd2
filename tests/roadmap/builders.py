"""A small hand-computed portfolio for the Product lens (used by tests/roadmap and the browser
test of /roadmap/):

    item        status               account  CSM    ARR      colour  told the customer
    SSO         planned              A        alice  120,000  red     "coming next quarter"
                                     B        bob     80,000  amber   "in the Q3 release"
                                     C        alice   30,000  green   (nothing)
    Audit log   under_consideration  D        bob     10,000  green   "coming soon"  <- a gap
    Dark mode   shipped              (promised to nobody)
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import Account, Commitment, RoadmapItem
from tests.factories import give_health, make_account


@dataclass
class Portfolio:
    sso: RoadmapItem
    audit_log: RoadmapItem
    dark_mode: RoadmapItem
    a: Account
    b: Account
    c: Account
    d: Account


def _account(name, csm, arr, renews_in, rag, overall):
    today = timezone.localdate()
    account = make_account(
        csm=csm, name=name, arr=Decimal(arr), renewal_date=today + timedelta(days=renews_in)
    )
    give_health(account, overall=overall, rag=rag)
    return account


def _promise(account, item, told):
    return Commitment.objects.create(
        account=account, title=item.title, told_customer=told, scoped=True,
        product_status=item.product_status, roadmap_item=item,
    )  # fmt: skip


def build_portfolio(alice, bob) -> Portfolio:
    sso = RoadmapItem.objects.create(
        title="SSO", product_status="planned", target_quarter="2027-Q1"
    )
    audit_log = RoadmapItem.objects.create(title="Audit log", product_status="under_consideration")
    dark_mode = RoadmapItem.objects.create(title="Dark mode", product_status="shipped")
    a = _account("Acme", alice, 120_000, 60, "red", 30)
    b = _account("Birch", bob, 80_000, 200, "amber", 55)
    c = _account("Cobalt", alice, 30_000, 300, "green", 80)
    d = _account("Dune", bob, 10_000, 100, "green", 85)
    _promise(a, sso, "coming next quarter")
    _promise(b, sso, "in the Q3 release")
    _promise(c, sso, "")
    _promise(d, audit_log, "coming soon")
    return Portfolio(sso, audit_log, dark_mode, a, b, c, d)
