"""/my-work/: a person's open actions in due buckets, a lead's team's, a VP's everyone's by CSM;
filters; bulk changes from the page; the navigation's count."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Team
from accounts.services import user_create_with_role
from actions.models import Action
from tests.factories import days_ago, give_health, make_account

pytestmark = pytest.mark.django_db

STEPS = [{"text": "Read the reasons", "done": True}, {"text": "Call the operating owner",
                                                       "done": False}]  # fmt: skip


@pytest.fixture
def alices(alice):
    account = make_account(csm=alice, name="Harbor Foods", arr=120_000)
    give_health(account, overall=35, rag="red")
    return account


@pytest.fixture
def bobs(bob):
    account = make_account(csm=bob, name="Quay Metals")
    give_health(account, overall=75, rag="green")
    return account


def make_action(account, due_in=0, **fields):
    defaults = {"title": f"Work on {account.name}", "owner": account.csm, "steps": STEPS,
                "due_on": days_ago(-due_in)}  # fmt: skip
    return Action.objects.create(account=account, **{**defaults, **fields})


@pytest.fixture
def lead(db, alice):
    lena = user_create_with_role(username="lena", role="team_lead", password="x" * 12)
    Team.objects.create(name="East", lead=lena).members.add(alice)
    return lena


def page(client, user, query=""):
    client.force_login(user)
    response = client.get(reverse("my_work") + query)
    assert response.status_code == 200
    return response


def shown(response) -> list[int]:
    return [a.pk for bucket in response.context["buckets"] for a in bucket["rows"]]


def test_my_work_requires_sign_in(client):
    response = client.get(reverse("my_work"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_csm_sees_their_open_actions_in_due_buckets(client, alice, alices, bobs):
    overdue, today = make_action(alices, due_in=-2), make_action(alices, due_in=0)
    week, later = make_action(alices, due_in=5), make_action(alices, due_in=30)
    make_action(bobs)
    make_action(alices, status="done", closed_at=timezone.now(), outcome_note="x")
    buckets = page(client, alice).context["buckets"]
    assert [(b["due"], [a.pk for a in b["rows"]]) for b in buckets] == [
        ("overdue", [overdue.pk]), ("today", [today.pk]), ("week", [week.pk]),
        ("later", [later.pk])]  # fmt: skip


def test_a_row_shows_account_colour_arr_rule_and_next_step(client, alice, alices):
    action = make_action(alices, rule="entered_red")
    content = page(client, alice).content.decode()
    row = content[content.index(f'id="work-{action.pk}"') :].split("</tr>")[0]
    assert f'href="/accounts/{alices.pk}/#action-{action.pk}"' in row
    assert "badge red" in row and "$120k" in row and "Entered red" in row
    assert "Call the operating owner" in row and "Read the reasons" not in row


@pytest.mark.parametrize(
    ("query", "expected"),
    [("?rule=flag_raised", ["flagged"]), ("?colour=green", []),
     ("?colour=red", ["red", "flagged"]), ("?due=overdue", ["red"])],
)  # fmt: skip
def test_filters_narrow_the_work(client, alice, alices, query, expected):
    made = {"red": make_action(alices, due_in=-1, rule="entered_red"),
            "flagged": make_action(alices, rule="flag_raised", flag="champion_left")}  # fmt: skip
    assert shown(page(client, alice, query)) == [made[name].pk for name in expected]


def test_a_team_lead_sees_their_teams_work_and_their_own(client, lead, alices, bobs, alice):
    own = make_account(csm=lead, name="Lena's account")
    team, mine = make_action(alices), make_action(own)
    make_action(bobs)
    response = page(client, lead)
    assert sorted(shown(response)) == sorted([team.pk, mine.pk])
    assert [row["owner__username"] for row in response.context["by_owner"]] == ["alice", "lena"]


def test_a_vp_sees_everyones_work_counted_by_csm(client, vera, alices, bobs):
    make_action(alices, due_in=-1), make_action(alices), make_action(bobs, due_in=3)
    by_owner = page(client, vera).context["by_owner"]
    assert [(r["owner__username"], r["overdue"], r["today"], r["week"], r["total"])
            for r in by_owner] == [("alice", 1, 1, 0, 2), ("bob", 0, 0, 1, 1)]  # fmt: skip


def test_a_vp_filters_by_csm(client, vera, alices, bobs):
    make_action(alices)
    bobs_action = make_action(bobs)
    assert shown(page(client, vera, "?csm=bob")) == [bobs_action.pk]


def test_the_navigation_counts_only_the_persons_own_open_actions(client, vera, alice, alices):
    make_action(alices), make_action(alices)
    make_action(alices, owner=vera)
    content = page(client, alice).content.decode()
    assert 'aria-label="2 open actions of yours">2</span>' in content


def test_closing_from_the_page_needs_a_note_and_changes_nothing_without(client, alice, alices):
    action = make_action(alices)
    client.force_login(alice)
    response = client.post(reverse("my_work_bulk"), {"ids": [action.pk], "op": "close"})
    assert response.status_code == 400
    assert "closing many at once needs a note" in response.content.decode()
    action.refresh_from_db()
    assert action.status == "open"


def test_closing_from_the_page_with_a_note(client, alice, alices):
    first, second = make_action(alices), make_action(alices, due_in=3)
    client.force_login(alice)
    response = client.post(
        reverse("my_work_bulk") + "?due=today",
        {"ids": [first.pk, second.pk], "op": "close", "note": "QBR held"},
    )
    assert response.status_code == 302 and response["Location"] == "/my-work/?due=today"
    assert set(Action.objects.values_list("status", "outcome_note")) == {("done", "QBR held")}


def test_reassigning_from_the_page_to_someone_blind_is_refused(client, alice, alices, bob):
    action = make_action(alices)
    client.force_login(alice)
    response = client.post(
        reverse("my_work_bulk"), {"ids": [action.pk], "op": "reassign", "owner": "bob"}
    )
    assert response.status_code == 400
    assert "bob cannot see Harbor Foods" in response.content.decode()
    action.refresh_from_db()
    assert action.owner == alice


def test_snoozing_from_the_page_moves_the_due_date(client, alice, alices):
    action = make_action(alices, due_in=-3)
    client.force_login(alice)
    client.post(reverse("my_work_bulk"), {"ids": [action.pk], "op": "snooze", "days": "5"})
    action.refresh_from_db()
    assert action.due_on == days_ago(-5)


def test_my_work_query_count_is_bounded(client, vera, alices, bobs, django_assert_max_num_queries):
    for _ in range(30):
        make_action(alices), make_action(bobs, due_in=4)
    client.force_login(vera)
    client.get(reverse("my_work"))
    with django_assert_max_num_queries(12):
        assert client.get(reverse("my_work")).status_code == 200


def test_done_with_no_step_ticked_needs_the_outcome_on_the_account_page(client, alice, alices):
    action = make_action(alices, steps=[{"text": "Call", "done": False}])
    client.force_login(alice)
    response = client.post(reverse("action_close", args=[alices.pk, action.pk]),
                           {"status": "done"})  # fmt: skip
    assert response.status_code == 400
    assert "No step is ticked: say what happened" in response.content.decode()
    action.refresh_from_db()
    assert action.status == "open"
