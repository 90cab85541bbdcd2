"""A small hand-computed portfolio for the lenses (pages, figures and browser tests), and the
named people who read them: Sam and Tina sell (account executives), Fiona is a finance analyst,
Tom leads Alice's team, Pat is a product manager; Alice is a CSM and Vera a VP (tests/conftest)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from accounts.models import Commitment, OnboardingMilestone, Team
from accounts.services import user_create_with_role
from tests.conftest import PASSWORD
from tests.factories import days_ago, give_health, make_account

COMPLETE_HANDOFF = {
    "handoff_why_bought": "Board wants one ROI number", "handoff_real_needs": "Monthly ROI report",
    "handoff_politics": "Finance sponsor, IT sceptical", "handoff_urgency": "high",
}  # fmt: skip


def _person(username, role):
    return user_create_with_role(username=username, role=role, password=PASSWORD)


@pytest.fixture
def sam(db):
    return _person("sam", "sales")


@pytest.fixture
def tina(db):
    return _person("tina", "sales")


@pytest.fixture
def fiona(db):
    return _person("fiona", "finance")


@pytest.fixture
def pat(db):
    return _person("pat", "product")


@pytest.fixture
def tom(db, alice):
    lead = _person("tom", "team_lead")
    Team.objects.create(name="East", lead=lead).members.add(alice)
    return lead


def _kickoff(account, done_on):
    OnboardingMilestone.objects.create(
        account=account, name="Kickoff call held", kind="task", completed_on=done_on
    )


def _score(account, day, overall, rag):
    give_health(account, overall=overall, rag=rag, as_of=day)


@pytest.fixture
def deals(alice, bob, sam, tina):
    """2026-Q1: Sam's A1 (complete handoff, kickoff after 27 days, two promises before signing,
    one unscoped; red on day 85, amber today) and A2 (no handoff, churned); Tina's A3 (complete,
    kickoff after 40 days, green on day 89 and today). 2026-Q2: Tina's A4. Plus one account
    with no close date, which is no deal."""
    a1 = make_account(csm=alice, sales_owner=sam, name="A1", arr=Decimal("100000"),
                      closed_on=date(2026, 1, 15), contract_start=date(2026, 2, 1),
                      renewal_date=date(2027, 2, 1), **COMPLETE_HANDOFF)  # fmt: skip
    _kickoff(a1, date(2026, 2, 11))
    for made_on, scoped in ((date(2026, 1, 10), False), (date(2026, 1, 15), True),
                            (date(2026, 3, 1), False)):  # fmt: skip
        Commitment.objects.create(account=a1, title="SSO", made_on=made_on, scoped=scoped)
    _score(a1, date(2026, 4, 10), 30, "red")
    give_health(a1, overall=55, rag="amber")
    a2 = make_account(csm=bob, sales_owner=sam, name="A2", arr=Decimal("50000"),
                      closed_on=date(2026, 2, 10), contract_start=date(2026, 2, 10),
                      renewal_date=date(2027, 2, 10), outcome="churned",
                      outcome_on=date(2026, 9, 1))  # fmt: skip
    a3 = make_account(csm=bob, sales_owner=tina, name="A3", arr=Decimal("80000"),
                      closed_on=date(2026, 1, 20), contract_start=date(2026, 1, 20),
                      renewal_date=date(2027, 1, 20), **COMPLETE_HANDOFF)  # fmt: skip
    _kickoff(a3, date(2026, 3, 1))
    _score(a3, date(2026, 2, 1), 50, "amber")  # older than day 90's window: not what it said
    _score(a3, date(2026, 4, 19), 80, "green")
    give_health(a3, overall=85, rag="green")
    a4 = make_account(csm=alice, sales_owner=tina, name="A4", arr=Decimal("40000"),
                      closed_on=date(2026, 4, 20), contract_start=date(2026, 5, 1),
                      renewal_date=date(2027, 5, 1))  # fmt: skip
    make_account(csm=alice, name="No close date")
    return {"a1": a1, "a2": a2, "a3": a3, "a4": a4}


@pytest.fixture
def terms(alice, bob):
    """Five active accounts in three structures (standard twice, one with a standard value
    written out; net 60 twice, once beside a standard value; net 90 with a 15% discount), one
    churned account on custom terms."""
    long_ago, soon = days_ago(500), date.today() + timedelta(days=20)
    far = date.today() + timedelta(days=300)

    def account(name, arr, deal_terms, renewal=far, **fields):
        return make_account(csm=alice, name=name, arr=Decimal(arr), deal_terms=deal_terms,
                            contract_start=long_ago, renewal_date=renewal, **fields)  # fmt: skip

    made = {
        "t1": account("T1", "100000", {}, renewal=soon),
        "t2": account("T2", "50000", {"billing": "annual"}),
        "t3": account("T3", "200000", {"payment_terms": "net_60"}, renewal=soon),
        "t4": account("T4", "20000", {"payment_terms": "net_60", "billing": "annual"}),
        "t5": account("T5", "30000", {"payment_terms": "net_90", "discount_pct": 15}),
        "t6": account("T6", "10000", {"discount_pct": 20}, outcome="churned",
                      outcome_on=days_ago(60)),
    }  # fmt: skip
    give_health(made["t1"], overall=80, rag="green")
    give_health(made["t3"], overall=30, rag="red")
    give_health(made["t5"], overall=50, rag="amber")
    return made
