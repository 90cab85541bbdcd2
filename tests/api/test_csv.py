"""API lists as CSV (`?format=csv`): the same page as JSON, pagination in the headers."""

import csv
import io

import pytest

from tests.factories import give_health, make_account, make_signal

pytestmark = pytest.mark.django_db


def rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode())))


@pytest.fixture
def book(alice, bob):
    accounts = [make_account(csm=alice, name=f"Account {n:03d}") for n in range(3)]
    give_health(accounts[0], overall=30, rag="red", flags=["checklist_illusion", "stale_data"])
    make_account(csm=bob, name="Bob's")
    return accounts


def test_the_accounts_list_downloads_as_csv_with_nested_fields_as_columns(client, alice, book):
    client.force_login(alice)
    response = client.get("/api/v1/accounts/", {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    listed = rows(response)
    assert [row["name"] for row in listed] == ["Account 000", "Account 001", "Account 002"]
    assert listed[0]["health.rag"] == "red"
    assert listed[0]["health.flags"] == "checklist_illusion; stale_data"
    assert response["X-Total-Count"] == "3"


def test_csv_pages_like_json_and_links_to_the_next_page(client, alice, monkeypatch):
    from rest_framework.pagination import PageNumberPagination

    monkeypatch.setattr(PageNumberPagination, "page_size", 2)
    for n in range(5):
        make_account(csm=alice, name=f"Account {n}")
    client.force_login(alice)
    first = client.get("/api/v1/accounts/", {"format": "csv"})
    assert len(rows(first)) == 2
    assert 'rel="next"' in first["Link"] and "page=2" in first["Link"]
    assert first["X-Total-Count"] == "5"
    last = client.get("/api/v1/accounts/", {"format": "csv", "page": 3})
    assert len(rows(last)) == 1 and 'rel="previous"' in last["Link"]


def test_a_csv_list_keeps_its_filters_and_the_callers_book(client, alice, book):
    make_signal(account=book[0], kind="login")
    make_signal(account=book[1], kind="export")
    client.force_login(alice)
    listed = rows(client.get("/api/v1/signals/", {"format": "csv", "kind": "export"}))
    assert [row["account"] for row in listed] == [str(book[1].pk)]
    health = rows(client.get("/api/v1/health/", {"format": "csv"}))
    assert [row["account"] for row in health] == [str(book[0].pk)]


def test_an_error_on_a_list_asked_for_as_csv_is_json_like_every_api_error(client, alice):
    client.force_login(alice)
    response = client.get("/api/v1/signals/", {"format": "csv", "account": "not-a-number"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"


def test_only_lists_speak_csv(client, alice, book):
    client.force_login(alice)
    assert client.get(f"/api/v1/accounts/{book[0].pk}/", {"format": "csv"}).status_code == 404


def test_the_schema_documents_csv_for_list_operations_only(client, alice):
    client.force_login(alice)
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    accounts = schema["paths"]["/api/v1/accounts/"]
    assert "text/csv" in accounts["get"]["responses"]["200"]["content"]
    assert "text/csv" not in accounts["post"]["responses"]["201"]["content"]
    assert (
        "text/csv"
        not in schema["paths"]["/api/v1/accounts/{id}/"]["get"]["responses"]["200"]["content"]
    )


def test_an_api_csv_neutralises_formulas_in_text_cells(client, alice):
    make_account(csm=alice, name='=HYPERLINK("http://evil.example")', handoff_politics="@SUM(1)")
    client.force_login(alice)
    [row] = rows(client.get("/api/v1/accounts/", {"format": "csv"}))
    assert row["name"] == '\'=HYPERLINK("http://evil.example")'
    assert row["handoff_politics"] == "'@SUM(1)"


def test_an_api_csv_keeps_a_negative_number_a_number(client, alice, book):
    make_signal(account=book[0], kind="login", value="-2+3", actor="-7")
    client.force_login(alice)
    [row] = rows(client.get("/api/v1/signals/", {"format": "csv"}))
    assert (row["value"], row["actor"]) == ("'-2+3", "-7")


def test_the_actions_list_downloads_as_csv(client, alice, book):
    from actions.models import Action

    Action.objects.create(account=book[0], title="=cmd|' /C calc'!A0", owner=alice)
    client.force_login(alice)
    response = client.get("/api/v1/actions/", {"format": "csv"})
    assert response.status_code == 200
    assert [row["title"] for row in rows(response)] == ["'=cmd|' /C calc'!A0"]


def _lists(operation) -> bool:
    schema = operation["responses"].get("200", {}).get("content", {}).get("application/json", {})
    schema = schema.get("schema", {})
    return schema.get("type") == "array" or "$ref" in schema and "Paginated" in schema["$ref"]


def test_every_api_list_offers_csv(client, vera):
    client.force_login(vera)
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    lists = {path: ops["get"] for path, ops in schema["paths"].items() if "get" in ops}
    lists = {path: op for path, op in lists.items() if _lists(op)}
    assert "/api/v1/actions/" in lists
    missing = sorted(
        p for p, op in lists.items() if "text/csv" not in op["responses"]["200"]["content"]
    )
    assert missing == []


@pytest.mark.parametrize(
    "path",
    ["/api/v1/signal-kinds/", "/api/v1/webhooks/", "/api/v1/scorecards/"],
)
def test_a_vps_lists_download_as_csv(client, vera, path):
    client.force_login(vera)
    response = client.get(path, {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")


@pytest.mark.parametrize("what", ["sentiment", "snoozes", "timeline"])
def test_an_accounts_lists_download_as_csv(client, alice, book, what):
    client.force_login(alice)
    response = client.get(f"/api/v1/accounts/{book[0].pk}/{what}/", {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
