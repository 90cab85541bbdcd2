"""A product manager moves a roadmap item: the promises riding on it follow, the commitment
gap opens where the customer was told it is coming and product no longer commits, and closes
where it ships; each account's timeline says so and its CSM gets an action."""

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Commitment
from actions.models import Action
from actions.timeline import account_timeline
from roadmap.models import RoadmapChange
from roadmap.services import gap_action_title, roadmap_item_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def move(paula, django_capture_on_commit_callbacks, tasks_inline):
    """Change an item's status as Paula, running what waits for the commit (the rescore, in
    this process even under CI's broker)."""

    def move(item, status):
        with django_capture_on_commit_callbacks(execute=True):
            return roadmap_item_update(item=item, by=paula, product_status=status)

    return move


def flags(account) -> str:
    account.refresh_from_db()
    return account.current_health.flag_codes


def test_a_new_status_is_applied_to_every_commitment_on_the_item(portfolio, move):
    move(portfolio.sso, "declined")
    statuses = set(Commitment.objects.filter(roadmap_item=portfolio.sso).values_list(
        "product_status", flat=True))  # fmt: skip
    assert statuses == {"declined"}


def test_uncommitting_opens_the_gap_where_the_customer_was_told_it_is_coming(portfolio, move):
    move(portfolio.sso, "under_consideration")
    assert ",commitment_gap," in flags(portfolio.a)
    assert ",commitment_gap," in flags(portfolio.b)


def test_no_gap_opens_where_the_customer_was_told_nothing(portfolio, move):
    move(portfolio.sso, "under_consideration")
    assert ",commitment_gap," not in flags(portfolio.c)


def test_shipping_closes_the_gap(portfolio, move):
    move(portfolio.sso, "declined")
    move(portfolio.sso, "shipped")
    assert ",commitment_gap," not in flags(portfolio.a)


def test_each_promise_gets_a_change_saying_whether_its_gap_opened(portfolio, move, paula):
    move(portfolio.sso, "under_consideration")
    changes = {
        change.account.name: (change.from_status, change.to_status, change.gap_opened, change.by)
        for change in RoadmapChange.objects.select_related("account")
    }
    assert changes == {
        "Acme": ("planned", "under_consideration", True, paula),
        "Birch": ("planned", "under_consideration", True, paula),
        "Cobalt": ("planned", "under_consideration", False, paula),
    }


def test_the_change_shows_on_the_account_timeline(portfolio, move):
    move(portfolio.sso, "declined")
    (event,) = account_timeline(portfolio.a, types=["roadmap"])
    assert event.title == "Roadmap: 'SSO' planned → declined"
    assert event.detail == (
        "The customer was told “coming next quarter”. The commitment gap opens."
    )
    assert event.by == "paula"


def test_the_csm_gets_an_action_where_the_gap_opens(portfolio, move, alice, bob):
    declined = move(portfolio.sso, "declined")
    raised = set(Action.objects.filter(title=gap_action_title(declined)).values_list(
        "account__name", "owner__username"))  # fmt: skip
    assert raised == {("Acme", "alice"), ("Birch", "bob")}


def test_moving_between_uncommitted_statuses_raises_no_second_action(portfolio, move):
    move(portfolio.sso, "under_consideration")
    move(portfolio.sso, "declined")
    assert Action.objects.filter(account=portfolio.a, title__startswith="Roadmap:").count() == 1


def test_shipping_raises_no_action(portfolio, move):
    move(portfolio.audit_log, "shipped")
    assert not Action.objects.filter(title__startswith="Roadmap:").exists()


def test_a_bad_status_changes_nothing(portfolio, paula):
    with pytest.raises(ValidationError):
        roadmap_item_update(item=portfolio.sso, by=paula, product_status="maybe")
    portfolio.sso.refresh_from_db()
    assert portfolio.sso.product_status == "planned"
    assert not RoadmapChange.objects.exists()
    assert set(Commitment.objects.values_list("product_status", flat=True)) == {
        "planned", "under_consideration"
    }  # fmt: skip


def test_a_change_of_title_alone_touches_no_commitment(portfolio, paula):
    roadmap_item_update(item=portfolio.sso, by=paula, title="Single sign-on")
    assert not RoadmapChange.objects.exists()
