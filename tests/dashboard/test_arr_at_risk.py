"""One definition of ARR at risk (red + amber) in the book, the portfolio and the API."""

from decimal import Decimal

import pytest
from django.urls import reverse

from tests.api.conftest import client_for
from tests.factories import give_health, make_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def portfolio(alice):
    flagged_twice = make_account(csm=alice, arr=Decimal("100000"))
    give_health(flagged_twice, overall=30, rag="red", flags=["champion_left", "stale_data"])
    amber = make_account(csm=alice, arr=Decimal("40000"))
    give_health(amber, overall=60, rag="amber", flags=["stale_data"])
    green = make_account(csm=alice, arr=Decimal("900000"))
    give_health(green, overall=90, rag="green", flags=["custom_terms"])


def test_book_portfolio_and_api_agree_on_arr_at_risk(client, vera, portfolio):
    client.force_login(vera)
    book = client.get(reverse("home")).context["counts"]["arr_at_risk"]
    page = client.get(reverse("portfolio")).context["summary"]["arr_at_risk"]
    api = client_for(vera).get("/api/v1/portfolio/").json()["arr_at_risk"]
    assert book == Decimal("140000")
    assert page == api == 140000.0


def test_arr_by_flag_overlaps_and_the_page_says_so(client, vera, portfolio):
    client.force_login(vera)
    response = client.get(reverse("portfolio"))
    by_flag = response.context["summary"]["by_flag"]
    flagged = sum(by_flag[code]["arr"] for code in ("champion_left", "stale_data"))
    assert flagged == 240000.0, "the red account counts under both of its flags"
    assert "An account can carry several flags" in response.content.decode()
