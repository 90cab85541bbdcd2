"""/team/: each CSM's book as their lead sees it (a VP sees every team), and its CSV."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Team
from accounts.services import user_create_with_role
from actions.models import Action
from teams.views import CSV_HEADER
from tests.factories import days_ago, give_health, make_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def north(lena, alice):
    team = Team.objects.create(name="North", lead=lena)
    team.members.add(alice)
    return team


@pytest.fixture
def alices_book(alice):
    red = make_account(csm=alice, arr=100_000)
    give_health(red, overall=30, rag="red", as_of=days_ago(31))
    give_health(red, overall=30, rag="red")
    amber = make_account(csm=alice, arr=50_000)
    give_health(amber, overall=50, rag="amber", as_of=days_ago(31))
    give_health(amber, overall=50, rag="amber")
    make_account(csm=alice, arr=10_000)  # not scored yet: unknown
    Action.objects.create(account=red, owner=alice, title="Call", due_on=days_ago(2))
    Action.objects.create(account=amber, owner=alice, title="Plan", due_on=days_ago(-3))
    return [red, amber]


def rows(client, user):
    client.force_login(user)
    return client.get("/team/").context["rows"]


def test_a_lead_sees_each_csms_book_with_its_figures(client, lena, north, alices_book):
    [row] = rows(client, lena)
    assert (row.team, row.csm, row.accounts, row.arr, row.arr_at_risk) == (
        "North", "alice", 3, 160_000, 150_000
    )  # fmt: skip
    assert (row.red, row.amber, row.green, row.unknown) == (1, 1, 0, 1)
    assert (row.open_actions, row.overdue_actions) == (2, 1)


def test_the_drift_is_the_average_scores_change_over_30_days(client, lena, north, alice):
    account = make_account(csm=alice)
    give_health(account, overall=70, rag="green", as_of=days_ago(31))
    give_health(account, overall=55, rag="amber")
    [row] = rows(client, lena)
    assert (row.score_now, row.score_change) == (55, -15)


def test_a_lead_does_not_see_another_teams_csm(client, lena, north, bob, vera):
    Team.objects.create(name="South", lead=vera).members.add(bob)
    assert [row.csm for row in rows(client, lena)] == ["alice"]


def test_a_vp_sees_every_team(client, vera, north, bob):
    Team.objects.create(name="South", lead=vera).members.add(bob)
    assert [(row.team, row.csm) for row in rows(client, vera)] == [
        ("North", "alice"), ("South", "bob")
    ]  # fmt: skip


def test_each_row_opens_the_csms_book(client, lena, north, alices_book):
    client.force_login(lena)
    page = client.get("/team/").content.decode()
    assert 'href="/?csm=alice"' in page
    assert client.get("/?csm=alice").context["filters"].csm == "alice"


def test_the_csv_has_every_figure_and_spreadsheet_safe_cells(client, lena, north, alice):
    sneaky = user_create_with_role(username="=cmd", role="csm")
    north.members.add(sneaky)
    client.force_login(lena)
    response = client.get("/team/?format=csv")
    table = list(csv.reader(io.StringIO(response.content.decode())))
    assert table[0] == CSV_HEADER
    assert [row[1] for row in table[1:]] == ["'=cmd", "alice"]


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/team/").status_code == 200
    return len(queries)


def test_the_page_costs_the_same_queries_for_one_csm_or_many(client, lena, north, alices_book, bob):
    client.force_login(lena)
    one = _queries(client)
    north.members.add(bob)
    give_health(make_account(csm=bob), overall=80, rag="green")
    assert _queries(client) == one <= 12
