"""The actions API for a person's work: `owner=me`, the due buckets, bulk snooze / reassign /
close (all or nothing), closing as done, and the resolution of a resolved action."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.services import user_create_with_role
from actions.models import Action
from tests.factories import days_ago, make_account

pytestmark = pytest.mark.django_db

BULK = "/api/v1/actions/bulk/"


@pytest.fixture
def alices(alice):
    return make_account(csm=alice, name="Harbor Foods")


@pytest.fixture
def bobs(bob):
    return make_account(csm=bob, name="Quay Metals")


def make_action(account, due_in=None, **fields):
    defaults = {"title": "Call the exec sponsor", "owner": account.csm,
                "steps": [{"text": "Book it", "done": False}, {"text": "Hold it", "done": False}],
                "due_on": None if due_in is None else days_ago(-due_in)}  # fmt: skip
    return Action.objects.create(account=account, **{**defaults, **fields})


def ids(response) -> list[int]:
    return sorted(row["id"] for row in response.json()["results"])


def test_owner_me_lists_only_the_callers_own_actions(as_vera, alices, vera):
    mine = make_action(alices, owner=vera)
    make_action(alices)
    assert ids(as_vera.get("/api/v1/actions/?owner=me")) == [mine.pk]


@pytest.mark.parametrize(
    ("due", "wanted"), [("overdue", [-3]), ("today", [0]), ("week", [1, 7])]
)  # fmt: skip
def test_due_filters_pick_their_bucket(as_alice, alices, due, wanted):
    made = {days: make_action(alices, due_in=days) for days in (-3, 0, 1, 7, 8)}
    make_action(alices, due_in=None)
    response = as_alice.get(f"/api/v1/actions/?owner=me&due={due}")
    assert ids(response) == sorted(made[days].pk for days in wanted)


def test_due_filters_only_open_actions(as_alice, alices):
    make_action(alices, due_in=-3, status="done", closed_at=timezone.now(), outcome_note="x")
    assert as_alice.get("/api/v1/actions/?due=overdue").json()["count"] == 0


def test_an_unknown_due_bucket_is_refused(as_alice, alices):
    assert as_alice.get("/api/v1/actions/?due=someday").status_code == 400


def test_bulk_snooze_moves_the_due_dates(as_alice, alices):
    soon, overdue = make_action(alices, due_in=2), make_action(alices, due_in=-5)
    response = as_alice.post(BULK, {"ids": [soon.pk, overdue.pk], "op": "snooze", "days": 7},
                             format="json")  # fmt: skip
    assert response.status_code == 200, response.json()
    soon.refresh_from_db(), overdue.refresh_from_db()
    assert (soon.due_on, overdue.due_on) == (days_ago(-9), days_ago(-7))


def test_bulk_snooze_beyond_90_days_is_refused(as_alice, alices):
    action = make_action(alices, due_in=2)
    response = as_alice.post(BULK, {"ids": [action.pk], "op": "snooze", "days": 91},
                             format="json")  # fmt: skip
    assert response.status_code == 400 and "days" in response.json()
    action.refresh_from_db()
    assert action.due_on == days_ago(-2)


def test_bulk_with_one_action_not_visible_changes_nothing(as_alice, alices, bobs):
    mine, theirs = make_action(alices, due_in=2), make_action(bobs, due_in=2)
    response = as_alice.post(BULK, {"ids": [mine.pk, theirs.pk], "op": "snooze", "days": 5},
                             format="json")  # fmt: skip
    assert response.status_code == 400
    assert str(theirs.pk) in response.json()["ids"][0]
    mine.refresh_from_db()
    assert mine.due_on == days_ago(-2)


def test_bulk_with_a_closed_action_changes_nothing(as_alice, alices):
    opened = make_action(alices)
    closed = make_action(alices, status="done", closed_at=timezone.now(), outcome_note="Met")
    response = as_alice.post(BULK, {"ids": [opened.pk, closed.pk], "op": "close",
                                    "note": "Covered at the QBR"}, format="json")  # fmt: skip
    assert response.status_code == 400
    opened.refresh_from_db()
    assert opened.status == "open"


def test_bulk_reassign_to_someone_who_cannot_see_an_account_is_refused(as_alice, alices, bob):
    first, second = make_action(alices), make_action(alices)
    response = as_alice.post(BULK, {"ids": [first.pk, second.pk], "op": "reassign",
                                    "owner": "bob"}, format="json")  # fmt: skip
    assert response.status_code == 400
    assert "bob cannot see Harbor Foods" in response.json()["owner"][0]
    assert set(Action.objects.values_list("owner__username", flat=True)) == {"alice"}


def test_bulk_reassign_to_someone_who_sees_every_account(as_alice, alices, vera):
    first, second = make_action(alices), make_action(alices)
    response = as_alice.post(BULK, {"ids": [first.pk, second.pk], "op": "reassign",
                                    "owner": "vera"}, format="json")  # fmt: skip
    assert response.json() == {"op": "reassign", "count": 2, "ids": [first.pk, second.pk]}
    assert set(Action.objects.values_list("owner__username", flat=True)) == {"vera"}


def test_bulk_close_sets_done_with_the_note(as_alice, alices, alice):
    first, second = make_action(alices), make_action(alices)
    response = as_alice.post(BULK, {"ids": [first.pk, second.pk], "op": "close",
                                    "note": "Covered at the QBR"}, format="json")  # fmt: skip
    assert response.status_code == 200
    rows = Action.objects.values_list("status", "outcome_note", "closed_by")
    assert set(rows) == {("done", "Covered at the QBR", alice.pk)}
    assert not Action.objects.filter(closed_at__isnull=True).exists()


def test_bulk_close_without_a_note_is_refused(as_alice, alices):
    action = make_action(alices)
    response = as_alice.post(BULK, {"ids": [action.pk], "op": "close"}, format="json")
    assert response.status_code == 400 and "note" in response.json()
    action.refresh_from_db()
    assert action.status == "open"


def test_bulk_needs_authentication(alices):
    from rest_framework.test import APIClient

    action = make_action(alices)
    response = APIClient().post(BULK, {"ids": [action.pk], "op": "close", "note": "x"},
                                format="json")  # fmt: skip
    assert response.status_code == 401


def test_done_with_no_step_ticked_needs_a_note(as_alice, alices):
    action = make_action(alices)
    response = as_alice.patch(f"/api/v1/actions/{action.pk}/", {"status": "done"}, format="json")
    assert response.status_code == 400 and "outcome_note" in response.json()
    action.refresh_from_db()
    assert action.status == "open"


def test_done_with_a_step_ticked_needs_no_note(as_alice, alices):
    action = make_action(alices, steps=[{"text": "Book it", "done": True}])
    response = as_alice.patch(f"/api/v1/actions/{action.pk}/", {"status": "done"}, format="json")
    assert response.status_code == 200
    action.refresh_from_db()
    assert action.status == "done"


def test_a_person_cannot_resolve_an_action(as_alice, alices):
    action = make_action(alices)
    body = {"status": "resolved", "outcome_note": "Gone"}
    response = as_alice.patch(f"/api/v1/actions/{action.pk}/", body, format="json")
    assert response.status_code == 400 and "status" in response.json()


def test_a_resolved_action_reads_with_its_resolution(as_alice, alices):
    action = make_action(alices, status="resolved", closed_at=timezone.now() - timedelta(hours=1),
                         resolution="Account left red (now amber).")  # fmt: skip
    body = as_alice.get(f"/api/v1/actions/{action.pk}/").json()
    assert (body["status"], body["resolution"]) == ("resolved", "Account left red (now amber).")


def test_a_team_lead_may_take_over_a_team_members_action(db, alices, alice):
    """Reassigning to someone who can see the account: a lead of alice's team."""
    from rest_framework.test import APIClient

    from accounts.models import Team

    lead = user_create_with_role(username="lena", role="team_lead", password="x" * 12)
    Team.objects.create(name="East", lead=lead).members.add(alice)
    client = APIClient()
    client.force_authenticate(alice)
    action = make_action(alices)
    response = client.post(BULK, {"ids": [action.pk], "op": "reassign", "owner": "lena"},
                           format="json")  # fmt: skip
    assert response.status_code == 200, response.json()
    action.refresh_from_db()
    assert action.owner == lead
