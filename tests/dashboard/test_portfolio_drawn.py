"""The portfolio page's charts are drawn once per version of the figures a scoring run computed,
not on every request, and drawn anew when an edited account makes the figures change."""

from decimal import Decimal

import pytest
from django.urls import reverse

from dashboard import charts
from health.services import score_accounts
from tests.factories import make_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(alice):
    make_account(csm=alice, arr=Decimal("400000"), name="Northwind")
    score_accounts()


def refuse_to_draw(monkeypatch):
    def drawn(*args, **kwargs):
        raise AssertionError("a chart was drawn on the request")

    for name in ("arr_by_rag", "arr_by_flag", "rag_by_csm", "arr_at_risk_trend",
                 "renewals_by_quarter"):  # fmt: skip
        monkeypatch.setattr(charts, name, drawn)


def test_the_first_request_after_a_run_reads_the_charts_the_run_drew(
    client, vera, scored, monkeypatch
):
    refuse_to_draw(monkeypatch)
    client.force_login(vera)
    response = client.get(reverse("portfolio"))
    assert response.status_code == 200
    assert response.content.decode().count('data-figure="') == 5


def test_an_edited_account_is_drawn_into_the_charts(client, vera, alice, scored):
    client.force_login(vera)
    before = client.get(reverse("portfolio")).context["chart_rag_by_csm"]
    make_account(csm=vera, arr=Decimal("1000"), name="Contoso")
    after = client.get(reverse("portfolio")).context["chart_rag_by_csm"]
    assert "vera" not in before
    assert "vera" in after


def test_the_books_by_csm_follow_an_edited_account(client, vera, scored):
    client.force_login(vera)
    before = client.get(reverse("portfolio")).content.decode()
    make_account(csm=vera, arr=Decimal("1000"), name="Contoso")
    after = client.get(reverse("portfolio")).content.decode()
    assert "?csm=alice" in before and "?csm=vera" not in before
    assert "?csm=alice" in after and "?csm=vera" in after
