"""Who may open the lenses, what they see, the drill-downs, the CSV files and the query budgets."""

import csv
import io

import pytest
from django.core.cache import cache
from django.urls import reverse

from health.services import score_accounts
from tests.factories import make_account

pytestmark = pytest.mark.django_db


def read(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def test_the_sales_lens_asks_for_a_sign_in(client):
    assert client.get(reverse("sales")).status_code == 302


@pytest.mark.parametrize("who", ["alice", "pat", "charlie"])
def test_a_csm_a_product_manager_or_no_role_is_refused_the_sales_lens(client, alice, pat, charlie,
                                                                       who):  # fmt: skip
    client.force_login({"alice": alice, "pat": pat, "charlie": charlie}[who])
    assert client.get(reverse("sales")).status_code == 403


@pytest.mark.parametrize("who", ["vera", "fiona", "tom", "sam"])
def test_a_vp_finance_a_team_lead_and_an_ae_open_the_sales_lens(client, deals, vera, fiona,
                                                                  tom, sam, who):  # fmt: skip
    client.force_login({"vera": vera, "fiona": fiona, "tom": tom, "sam": sam}[who])
    assert client.get(reverse("sales")).status_code == 200


def test_an_account_executive_sees_their_own_rows_only(client, deals, sam):
    client.force_login(sam)
    rows = client.get(reverse("sales")).context["lens"]["by_seller"]
    assert {row["ae"] for row in rows} == {"sam"}


def test_finance_sees_every_account_executives_rows(client, deals, fiona):
    client.force_login(fiona)
    rows = client.get(reverse("sales")).context["lens"]["by_seller"]
    assert {row["ae"] for row in rows} == {"sam", "tina"}


def test_a_sales_row_drills_down_to_its_deals(client, deals, vera):
    client.force_login(vera)
    page = client.get(reverse("sales_deals"), {"ae": "sam", "quarter": "2026-Q1"})
    assert [d["name"] for d in page.context["page"].object_list] == ["A2", "A1"]
    assert reverse("account_detail", args=[deals["a1"].pk]) in page.content.decode()


def test_an_ae_drilling_into_another_sellers_row_finds_nothing(client, deals, sam):
    client.force_login(sam)
    page = client.get(reverse("sales_deals"), {"ae": "tina"})
    assert page.status_code == 200 and not page.context["page"].object_list


def test_a_drill_down_to_a_malformed_quarter_is_refused(client, vera):
    client.force_login(vera)
    response = client.get(reverse("sales_deals"), {"quarter": "2026-Q5"})
    assert response.status_code == 400 and b"2026-Q2" in response.content


@pytest.mark.parametrize("table", ["by_seller", "by_quarter"])
def test_each_sales_table_downloads_as_csv(client, deals, vera, table):
    client.force_login(vera)
    rows = read(client.get(reverse("sales"), {"format": "csv", "table": table}))
    assert rows and "grr" in rows[0] and "churned_arr" in rows[0]


def test_an_unknown_table_is_a_400_naming_the_tables(client, vera):
    client.force_login(vera)
    response = client.get(reverse("sales"), {"format": "csv", "table": "nope"})
    assert response.status_code == 400 and b"by_seller" in response.content


def test_a_deals_csv_neutralises_a_formula_in_an_account_name(client, deals, vera, alice, sam):
    make_account(csm=alice, sales_owner=sam, name="=HYPERLINK(1)", closed_on=deals["a1"].closed_on)
    client.force_login(vera)
    rows = read(client.get(reverse("sales_deals"), {"format": "csv", "ae": "sam"}))
    assert "'=HYPERLINK(1)" in [row["account"] for row in rows]


def test_the_terms_lens_asks_for_a_sign_in(client):
    assert client.get(reverse("terms")).status_code == 302


@pytest.mark.parametrize("who", ["alice", "sam", "tom", "pat"])
def test_only_finance_and_vps_open_the_terms_lens(client, alice, sam, tom, pat, who):
    client.force_login({"alice": alice, "sam": sam, "tom": tom, "pat": pat}[who])
    assert client.get(reverse("terms")).status_code == 403


def test_finance_reads_the_terms_lens(client, terms, fiona):
    client.force_login(fiona)
    response = client.get(reverse("terms"))
    assert response.status_code == 200 and response.context["lens"]["structures"] == 3


def test_the_lenses_take_no_writes(client, fiona):
    client.force_login(fiona)
    assert client.post(reverse("terms")).status_code == 405


@pytest.mark.parametrize("table", ["structures", "deviations", "renewals", "outcomes"])
def test_each_terms_table_downloads_as_csv(client, terms, vera, table):
    client.force_login(vera)
    assert read(client.get(reverse("terms"), {"format": "csv", "table": table}))


def test_a_deviation_drills_down_to_the_accounts_carrying_it(client, terms, vera):
    client.force_login(vera)
    page = client.get(reverse("terms_accounts"), {"term": "payment_terms"})
    assert {a["name"] for a in page.context["page"].object_list} == {"T3", "T4", "T5"}


def test_a_deviation_with_its_value_drills_down_to_the_accounts_carrying_both(client, terms, vera):
    client.force_login(vera)
    page = client.get(reverse("terms_accounts"), {"term": "payment_terms", "value": '"net_60"'})
    assert {a["name"] for a in page.context["page"].object_list} == {"T3", "T4"}


def test_a_structure_that_is_not_an_object_is_refused(client, vera):
    client.force_login(vera)
    assert client.get(reverse("terms_accounts"), {"structure": "[1]"}).status_code == 400


def test_the_navigation_offers_each_person_the_lenses_they_may_open(client, sam):
    client.force_login(sam)
    page = client.get(reverse("sales")).content.decode()
    assert f'href="{reverse("sales")}"' in page and f'href="{reverse("terms")}"' not in page


def test_the_sales_lens_query_count_is_bounded(client, deals, vera, django_assert_max_num_queries):
    client.force_login(vera)
    # 3 for the session and role, 1 for the navigation's open-action count, 5 for the
    # remembered figures' version, 5 for the figures.
    with django_assert_max_num_queries(14):
        assert client.get(reverse("sales")).status_code == 200


def test_the_terms_lens_query_count_is_bounded(client, terms, vera, django_assert_max_num_queries):
    client.force_login(vera)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("terms")).status_code == 200


def test_the_sales_api_gives_an_ae_their_own_rows(client, deals, sam):
    client.force_login(sam)
    body = client.get("/api/v1/sales/").json()
    assert {row["ae"] for row in body["by_seller"]} == {"sam"}


def test_the_terms_api_refuses_a_csm(client, alice):
    client.force_login(alice)
    assert client.get("/api/v1/terms/").status_code == 403


def test_the_terms_api_gives_finance_the_structure_count(client, terms, fiona):
    client.force_login(fiona)
    assert client.get("/api/v1/terms/").json()["structures"] == 3


def test_the_deals_drill_down_query_count_is_bounded(client, deals, vera,
                                                      django_assert_max_num_queries):  # fmt: skip
    client.force_login(vera)
    # 3 for the session and role, 1 for the navigation's count, the page's count and its rows
    with django_assert_max_num_queries(6):
        assert client.get(reverse("sales_deals")).status_code == 200


def test_the_terms_drill_down_query_count_is_bounded(client, terms, vera,
                                                      django_assert_max_num_queries):  # fmt: skip
    client.force_login(vera)
    with django_assert_max_num_queries(6):
        assert client.get(reverse("terms_accounts"), {"standard": "0"}).status_code == 200


def test_a_whole_portfolio_run_leaves_both_lenses_ready_for_a_vp(client, deals, vera,
                                                                 monkeypatch):  # fmt: skip
    cache.clear()
    score_accounts()
    for computation in ("_sales", "_terms"):
        monkeypatch.setattr(f"lenses.selectors.{computation}", computed_on_request)
    client.force_login(vera)
    assert client.get(reverse("sales")).status_code == 200
    assert client.get(reverse("terms")).status_code == 200


def computed_on_request(*args):
    raise AssertionError("computed on the request, not after the run")
