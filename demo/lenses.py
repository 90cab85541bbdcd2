"""The demo's people beyond CSMs and VPs, and the data each of their lenses reads: a team lead
with a team (Omar's drifting book among it), two account executives who sold the younger
accounts (Marcus, whose handoffs are often left blank, and Nina), a product manager whose
roadmap items carry the promises, and a finance analyst. Drawn from their own random stream,
so the portfolio's stories stay exactly what the seed always drew."""

import random
from datetime import date, timedelta

from accounts.models import RoadmapItem, Team
from accounts.services import user_create_with_role

TEAM_LEAD = "hannah"
TEAM_NAME = "Hannah's team"
TEAM_MEMBERS = ["maya", "tom", "omar"]
ACCOUNT_EXECUTIVES = ["marcus", "nina"]
PRODUCT_MANAGER = "ines"
FINANCE_ANALYST = "felix"
PEOPLE = {
    TEAM_LEAD: "team_lead",
    **dict.fromkeys(ACCOUNT_EXECUTIVES, "sales"),
    PRODUCT_MANAGER: "product",
    FINANCE_ANALYST: "finance",
}
# Accounts that started within this many days were sold by one of the demo's AEs; older ones
# by people who have left (no sales owner).
SOLD_WITHIN_DAYS = 2 * 365


def demo_people(password: str) -> dict:
    """The named people (username -> user), and the team lead's team of demo CSMs."""
    people = {
        name: user_create_with_role(
            username=name,
            role=role,
            password=password,
            first_name=name.title(),
            email=f"{name}@example.com",
        )  # fmt: skip
        for name, role in PEOPLE.items()
    }
    team, _ = Team.objects.update_or_create(name=TEAM_NAME, defaults={"lead": people[TEAM_LEAD]})
    team.members.set(people_named(TEAM_MEMBERS))
    return people


def people_named(usernames):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(username__in=usernames)


def roadmap_items(today: date) -> dict[str, tuple[int, str]]:
    """The roadmap the demo's promises ride on: title -> (id, product status). Customers were
    told 'coming next quarter' of items product still has under consideration."""
    quarter = (today.month - 1) // 3 + 1
    next_quarter = f"{today.year + quarter // 4}-Q{quarter % 4 + 1}"
    plan = {
        "Salesforce two-way sync": ("under_consideration", ""),
        "Custom ROI formulas": ("under_consideration", ""),
        "On-prem deployment": ("declined", ""),
        "German UI translation": ("planned", next_quarter),
        "Audit log export": ("shipped", f"{today.year}-Q{quarter}"),
    }
    items = {}
    for title, (status, target) in plan.items():
        item, _ = RoadmapItem.objects.get_or_create(
            title=title, defaults={"product_status": status, "target_quarter": target}
        )
        items[title] = (item.pk, item.product_status)
    return items


def roadmap_item_for(items: dict, title: str, status: str) -> int | None:
    """The item a commitment rides on: its title's, when product's status agrees (a promise
    product has moved past is left off the roadmap, as it was made before the item existed)."""
    item_id, item_status = items.get(title, (None, None))
    return item_id if item_status == status else None


def sale(plan, story: str, today: date, aes: list, rng: random.Random) -> tuple:
    """(sales_owner_id, closed_on): every deal closed one to three weeks before its contract
    started; Marcus sold most of the accounts whose handoff was left blank."""
    closed_on = plan.contract_start - timedelta(days=rng.randint(7, 21))
    if not aes or plan.contract_start < today - timedelta(days=SOLD_WITHIN_DAYS):
        return None, closed_on
    weight = 0.85 if story == "handoff_context_missing" else 0.5
    owner = aes[0] if rng.random() < weight else aes[1]
    return owner.pk, closed_on
