"""`unknown` (no data received yet) is counted apart from red, amber and green wherever colours
are counted, and is never at risk (issue 21)."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import Account
from health.board import arr_at_risk_by_month, renewals_by_quarter
from tests.factories import days_ago, give_health, make_account

pytestmark = pytest.mark.django_db

UNKNOWN = dict(overall=None, rag="unknown", has_any_signal=0, days_since_arrival=3)


@pytest.fixture
def book(alice):
    red = make_account(csm=alice, name="Red Rocket", arr=Decimal("400000"),
                       renewal_date=days_ago(-40))  # fmt: skip
    give_health(red, overall=25, rag="red")
    green = make_account(csm=alice, name="Green Garden", arr=Decimal("90000"))
    give_health(green, overall=90, rag="green")
    new = make_account(csm=alice, name="New Newt", arr=Decimal("70000"), renewal_date=days_ago(-40))
    give_health(new, **UNKNOWN)
    return {"red": red, "green": green, "new": new}


def read(response) -> list[dict]:
    content = getattr(response, "streaming_content", None)
    body = b"".join(content).decode() if content is not None else response.content.decode()
    return list(csv.DictReader(io.StringIO(body)))


def test_the_book_counts_unknown_apart_and_not_at_risk(client, alice, book):
    client.force_login(alice)
    counts = client.get(reverse("home")).context["counts"]
    assert (counts["red"], counts["amber"], counts["green"], counts["unknown"]) == (1, 0, 1, 1)
    assert counts["arr_at_risk"] == Decimal("400000")


def test_the_book_filters_rag_unknown(client, alice, book):
    client.force_login(alice)
    response = client.get(reverse("home"), {"rag": "unknown"})
    assert [a.name for a in response.context["page"]] == ["New Newt"]
    assert 'value="unknown" selected' in response.content.decode()


def test_the_book_csv_says_unknown_with_no_score(client, alice, book):
    client.force_login(alice)
    [row] = read(client.get(reverse("home"), {"format": "csv", "rag": "unknown"}))
    assert (row["account"], row["health"], row["score"]) == ("New Newt", "unknown", "")
    assert row["why"].startswith("No data received yet")


def test_the_portfolio_counts_unknown_apart_and_not_at_risk(client, vera, book):
    client.force_login(vera)
    summary = client.get(reverse("portfolio")).context["summary"]
    assert summary["by_rag"]["unknown"] == {"accounts": 1, "arr": 70000.0}
    assert summary["by_rag"]["red"] == {"accounts": 1, "arr": 400000.0}
    assert summary["arr_at_risk"] == 400000.0
    assert summary["by_csm"]["alice"]["unknown"] == 1
    assert summary["by_csm"]["alice"]["arr_at_risk"] == 400000.0


def test_the_portfolio_api_counts_unknown_apart(client, vera, book):
    client.force_login(vera)
    body = client.get("/api/v1/portfolio/").json()
    assert body["by_rag"]["unknown"] == {"accounts": 1, "arr": 70000.0}
    assert body["arr_at_risk"] == 400000.0


def test_the_health_api_filters_rag_unknown_with_a_null_score(client, alice, book):
    client.force_login(alice)
    body = client.get("/api/v1/health/", {"rag": "unknown"}).json()
    [score] = body["results"]
    assert (score["account"], score["rag"], score["score"]) == (book["new"].pk, "unknown", None)
    assert score["reasons"][0].startswith("No data received yet")


def test_the_accounts_api_filters_rag_unknown(client, alice, book):
    client.force_login(alice)
    body = client.get("/api/v1/accounts/", {"rag": "unknown"}).json()
    assert [account["id"] for account in body["results"]] == [book["new"].pk]


def test_the_books_by_csm_csv_has_an_unknown_column(client, vera, book):
    client.force_login(vera)
    [alice] = read(client.get(reverse("portfolio"), {"format": "csv", "table": "books_by_csm"}))
    assert (alice["red"], alice["green"], alice["unknown"]) == ("1", "1", "1")
    assert alice["arr_at_risk"] == "400000.0"


def test_the_board_keeps_unknown_out_of_arr_at_risk(alice, book):
    today = arr_at_risk_by_month(Account.objects.all())[-1]
    assert (today["at_risk_arr"], today["unknown_arr"]) == (400000.0, 70000.0)
    assert today["at_risk_accounts"] == 1


def test_renewals_by_quarter_count_unknown_apart(alice, book):
    quarters = renewals_by_quarter(Account.objects.all())
    assert sum(q["unknown"]["accounts"] for q in quarters) == 1
    assert sum(q["red"]["accounts"] for q in quarters) == 1


def test_the_account_page_says_no_data_received_yet(client, alice, book):
    client.force_login(alice)
    content = client.get(book["new"].get_absolute_url()).content.decode()
    assert '<span class="badge big unknown">Unknown</span>' in content
    assert "No data received yet" in content
