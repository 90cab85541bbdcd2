"""The demo seeds one of each lens's people, and the data that makes each lens worth opening."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import F

from accounts.models import Account, Commitment, Team
from accounts.roles import user_role
from accounts.selectors import accounts_visible_to
from demo.lenses import PEOPLE, TEAM_LEAD, TEAM_MEMBERS
from tests.accounts.conftest import fast_password_hashing  # noqa: F401

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 1)


@pytest.fixture
def seeded():
    call_command(
        "seed_demo", accounts=60, seed=7, signals_per_account=10, today=TODAY, stdout=StringIO()
    )


def test_the_demo_seeds_a_lead_two_aes_a_pm_and_a_finance_analyst(seeded, django_user_model):
    people = django_user_model.objects.filter(username__in=PEOPLE)
    assert {user.username: user_role(user) for user in people} == PEOPLE


def test_the_team_lead_sees_their_teams_books(seeded):
    team = Team.objects.get(lead__username=TEAM_LEAD)
    assert sorted(team.members.values_list("username", flat=True)) == sorted(TEAM_MEMBERS)
    seen = accounts_visible_to(team.lead).values_list("csm__username", flat=True).distinct()
    assert set(seen) == set(TEAM_MEMBERS)


def test_every_account_has_a_close_date_before_its_contract(seeded):
    assert not Account.objects.filter(closed_on__isnull=True).exists()
    assert all(a.closed_on < a.contract_start for a in Account.objects.all())


def test_the_aes_sold_the_younger_accounts_and_marcus_left_handoffs_blank(seeded):
    sold = Account.objects.filter(sales_owner__isnull=False)
    assert sold.filter(sales_owner__username="nina").exists()
    blank = sold.filter(sales_owner__username="marcus", handoff_why_bought="")
    assert blank.exists()


def test_promises_ride_on_roadmap_items_product_has_not_committed(seeded):
    riding = Commitment.objects.filter(roadmap_item__isnull=False)
    assert riding.filter(roadmap_item__product_status="under_consideration").exists()
    assert not riding.exclude(product_status=F("roadmap_item__product_status")).exists()


def test_demo_logins_print_each_lens_person(seeded):
    out = StringIO()
    call_command("demo_logins", stdout=out)
    printed = {line.split()[0] for line in out.getvalue().splitlines() if line.startswith("  ")}
    assert set(PEOPLE) <= printed
