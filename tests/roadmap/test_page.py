"""/roadmap/: each item with the accounts it was promised to, the ARR and renewals riding on
it and how many are red or amber, riskiest gaps first; who sees what; the CSV."""

import csv
import io

import pytest
from django.urls import reverse

from accounts.models import Commitment, RoadmapItem
from accounts.selectors import accounts_visible_to
from roadmap.models import RoadmapChange
from roadmap.selectors import roadmap_commitments_visible_to, roadmap_page_data
from tests.factories import give_health, make_account

pytestmark = pytest.mark.django_db


def items(user) -> dict[str, dict]:
    return {row["item"].title: row for row in roadmap_page_data(user)["items"]}


def test_an_items_figures_add_up_its_accounts(portfolio, vera):
    sso = items(vera)["SSO"]
    assert (sso["accounts"], sso["arr"], sso["red"], sso["amber"]) == (3, 230_000.0, 1, 1)


def test_the_items_in_a_commitment_gap_come_first_by_the_arr_in_the_gap(portfolio, vera):
    titles = [row["item"].title for row in roadmap_page_data(vera)["items"]]
    assert titles == ["Audit log", "SSO", "Dark mode"]


def test_the_arr_in_a_gap_counts_the_promises_the_scorer_counts(portfolio, vera):
    audit_log = items(vera)["Audit log"]
    assert (audit_log["gap_accounts"], audit_log["gap_arr"]) == (1, 10_000.0)


def test_under_an_item_the_red_account_renewing_first_comes_first(portfolio, vera):
    names = [p["account"] for p in items(vera)["SSO"]["promises"]]
    assert names == ["Acme", "Birch", "Cobalt"]


def test_an_account_promised_an_item_twice_counts_once(portfolio, vera):
    Commitment.objects.create(
        account=portfolio.a, title="SSO again", product_status="planned",
        roadmap_item=portfolio.sso,
    )  # fmt: skip
    sso = items(vera)["SSO"]
    assert (sso["accounts"], sso["arr"]) == (3, 230_000.0)


def test_the_page_says_what_the_customer_was_told_beside_products_status(client, portfolio, paula):
    client.force_login(paula)
    page = client.get(reverse("roadmap")).content.decode()
    assert "told “coming soon”; product: under consideration" in page


def test_every_row_drills_to_the_account_page(client, portfolio, paula):
    client.force_login(paula)
    page = client.get(reverse("roadmap")).content.decode()
    for account in (portfolio.a, portfolio.b, portfolio.c, portfolio.d):
        assert f'href="{reverse("account_detail", args=[account.pk])}"' in page


@pytest.mark.parametrize("who", ["paula", "vera", "fiona"])
def test_product_vp_and_finance_see_every_item(portfolio, request, who):
    assert set(items(request.getfixturevalue(who))) == {"SSO", "Audit log", "Dark mode"}


@pytest.mark.parametrize("who", ["paula", "vera", "fiona"])
def test_the_whole_roadmaps_promises_are_those_on_accounts_the_gate_shows(portfolio, request, who):
    user = request.getfixturevalue(who)
    gated = Commitment.objects.filter(
        roadmap_item__isnull=False, account__in=accounts_visible_to(user)
    )
    assert set(roadmap_commitments_visible_to(user)) == set(gated)


def test_a_csm_sees_only_the_items_promised_to_their_accounts(portfolio, alice):
    assert set(items(alice)) == {"SSO"}


def test_a_csm_sees_only_their_own_accounts_under_an_item(portfolio, alice):
    sso = items(alice)["SSO"]
    assert [p["account"] for p in sso["promises"]] == ["Acme", "Cobalt"]
    assert (sso["accounts"], sso["arr"], sso["amber"]) == (2, 150_000.0, 0)


def test_the_page_asks_for_a_sign_in(client, portfolio):
    response = client.get(reverse("roadmap"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_product_manager_changes_an_items_status_from_the_page(client, portfolio, paula):
    client.force_login(paula)
    url = reverse("roadmap_item_status", args=[portfolio.sso.pk])
    response = client.post(url, {"product_status": "declined"})
    assert response.status_code == 302
    assert RoadmapItem.objects.get(pk=portfolio.sso.pk).product_status == "declined"


@pytest.mark.parametrize("who", ["alice", "fiona"])
def test_a_csm_or_finance_cannot_change_an_items_status(client, portfolio, request, who):
    client.force_login(request.getfixturevalue(who))
    url = reverse("roadmap_item_status", args=[portfolio.sso.pk])
    assert client.post(url, {"product_status": "declined"}).status_code == 403
    assert RoadmapItem.objects.get(pk=portfolio.sso.pk).product_status == "planned"


def test_a_bad_status_from_the_page_is_refused_and_changes_nothing(client, portfolio, paula):
    client.force_login(paula)
    url = reverse("roadmap_item_status", args=[portfolio.sso.pk])
    response = client.post(url, {"product_status": "soon"})
    assert response.status_code == 400
    assert RoadmapItem.objects.get(pk=portfolio.sso.pk).product_status == "planned"
    assert not RoadmapChange.objects.exists()


def test_a_product_manager_adds_an_item_from_the_page(client, paula):
    client.force_login(paula)
    data = {"title": "Offline mode", "product_status": "planned", "target_quarter": "2027-Q2"}
    assert client.post(reverse("roadmap_item_create"), data).status_code == 302
    assert RoadmapItem.objects.get(title="Offline mode").target_quarter == "2027-Q2"


def test_an_item_with_a_bad_quarter_is_refused(client, paula):
    client.force_login(paula)
    data = {"title": "Offline mode", "product_status": "planned", "target_quarter": "Q2"}
    assert client.post(reverse("roadmap_item_create"), data).status_code == 400
    assert not RoadmapItem.objects.exists()


def read_csv(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_the_csv_has_every_promise_the_user_sees(client, portfolio, alice):
    client.force_login(alice)
    rows = read_csv(client.get(reverse("roadmap"), {"format": "csv"}))
    assert [(r["roadmap_item"], r["account"], r["health"]) for r in rows] == [
        ("SSO", "Acme", "red"), ("SSO", "Cobalt", "green"),
    ]  # fmt: skip


def test_the_csv_cells_cannot_run_as_formulas(client, portfolio, paula):
    Commitment.objects.filter(account=portfolio.d).update(told_customer="=HYPERLINK(1)")
    client.force_login(paula)
    rows = read_csv(client.get(reverse("roadmap"), {"format": "csv"}))
    assert {r["told_customer"] for r in rows if r["account"] == "Dune"} == {"'=HYPERLINK(1)"}


def test_the_page_costs_the_same_queries_for_more_accounts(
    client, portfolio, paula, bob, django_assert_max_num_queries
):
    for n in range(30):
        account = make_account(csm=bob, name=f"More {n}")
        give_health(account, overall=40, rag="red")
        Commitment.objects.create(account=account, title="SSO", roadmap_item=portfolio.sso)
    client.force_login(paula)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("roadmap")).status_code == 200
