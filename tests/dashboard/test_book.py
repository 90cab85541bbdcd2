from decimal import Decimal

import pytest
from django.urls import reverse

from tests.factories import days_ago, give_health, make_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(alice, bob):
    red = make_account(csm=alice, name="Red Rocket", arr=Decimal("400000"))
    give_health(
        red, overall=25, rag="red", flags=["checklist_illusion"], tasks_done=9, tasks_total=9
    )
    amber = make_account(csm=alice, name="Amber Anvil", segment="smb", arr=Decimal("20000"))
    give_health(amber, overall=55, rag="amber", flags=["renewal_without_engagement"])
    green = make_account(csm=alice, name="Green Garden", arr=Decimal("90000"))
    give_health(green, overall=90, rag="green")
    theirs = make_account(csm=bob, name="Bob's Bakery")
    give_health(theirs, overall=10, rag="red")
    return {"red": red, "amber": amber, "green": green, "theirs": theirs}


def rows(response):
    return [account.name for account in response.context["page"]]


def test_book_requires_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_csm_sees_own_accounts_riskiest_first(client, alice, book):
    client.force_login(alice)
    response = client.get(reverse("home"))
    assert rows(response) == ["Red Rocket", "Amber Anvil", "Green Garden"]
    assert b"Bob&#x27;s Bakery" not in response.content


def test_vp_sees_every_account(client, vera, book):
    client.force_login(vera)
    assert len(rows(client.get(reverse("home")))) == 4


def test_counts_at_the_top(client, alice, book):
    client.force_login(alice)
    counts = client.get(reverse("home")).context["counts"]
    assert (counts["red"], counts["amber"], counts["green"]) == (1, 1, 1)
    assert counts["arr_at_risk"] == Decimal("420000")
    assert counts["renewals_without_engagement"] == 0, "renewal is 165 days away"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"rag": "amber"}, ["Amber Anvil"]),
        ({"flag": "checklist_illusion"}, ["Red Rocket"]),
        ({"segment": "smb"}, ["Amber Anvil"]),
        ({"q": "garden"}, ["Green Garden"]),
        ({"rag": "bogus"}, ["Red Rocket", "Amber Anvil", "Green Garden"]),
    ],
)
def test_filters_narrow_the_list(client, alice, book, query, expected):
    client.force_login(alice)
    assert rows(client.get(reverse("home"), query)) == expected


def test_renewal_window_filter(client, alice, book):
    book["green"].renewal_date = days_ago(-20)
    book["green"].save()
    client.force_login(alice)
    assert rows(client.get(reverse("home"), {"renewal": "30"})) == ["Green Garden"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"sort": "name"}, ["Amber Anvil", "Green Garden", "Red Rocket"]),
        ({"sort": "name", "dir": "desc"}, ["Red Rocket", "Green Garden", "Amber Anvil"]),
        ({"sort": "score"}, ["Red Rocket", "Amber Anvil", "Green Garden"]),
        ({"sort": "arr", "dir": "desc"}, ["Red Rocket", "Green Garden", "Amber Anvil"]),
    ],
)
def test_sort_by_column(client, alice, book, query, expected):
    client.force_login(alice)
    assert rows(client.get(reverse("home"), query)) == expected


def test_thirty_day_change_comes_from_history(client, alice, book):
    give_health(book["green"], overall=70, rag="green", as_of=days_ago(31))
    client.force_login(alice)
    page = client.get(reverse("home"), {"q": "garden"}).context["page"]
    assert page[0].change_30d == pytest.approx(20)


def test_paginates_large_books(client, alice):
    for i in range(55):
        give_health(make_account(csm=alice, name=f"Acct {i:02d}"), overall=50, rag="amber")
    client.force_login(alice)
    first = client.get(reverse("home"))
    assert len(rows(first)) == 50
    assert len(rows(client.get(reverse("home"), {"page": 2}))) == 5


def test_book_query_count_is_bounded(client, alice, django_assert_max_num_queries):
    for i in range(50):
        give_health(
            make_account(csm=alice), overall=50 + i % 40, rag="amber", flags=["custom_terms"]
        )
    client.force_login(alice)
    # Session, user, role (asked once per request), count, page, sentiments, totals, segments,
    # and the navigation's count of one's open actions (issue 24).
    with django_assert_max_num_queries(9):
        assert client.get(reverse("home")).status_code == 200


def test_empty_book_says_so(client, alice):
    client.force_login(alice)
    assert b"Your book is empty" in client.get(reverse("home")).content


def test_stale_data_is_visible(client, alice):
    give_health(make_account(csm=alice), overall=60, rag="amber", flags=["stale_data"])
    client.force_login(alice)
    assert b"rest on old data" in client.get(reverse("home")).content


def test_churned_accounts_leave_the_book(client, alice, book):
    book["green"].outcome, book["green"].outcome_on = "churned", days_ago(1)
    book["green"].save()
    client.force_login(alice)
    assert "Green Garden" not in rows(client.get(reverse("home")))


def test_last_activity_and_reason_are_shown(client, alice, book):
    client.force_login(alice)
    content = client.get(reverse("home"), {"q": "rocket"}).content.decode()
    assert "9 of 9 checklist tasks are done, but only 0% of due outcomes" in content
    assert f'href="/accounts/{book["red"].pk}/#flag-checklist_illusion"' in content
    assert '<td data-label="Last activity">Today</td>' in content, "in the reasons' words"
