"""GRR and NRR over the trailing twelve months in /api/v1/portfolio/, as fractions."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.factories import make_account

pytestmark = pytest.mark.django_db


def test_portfolio_gives_grr_and_nrr_as_fractions(as_vera, alice):
    today = timezone.now().date()
    year_ago = today - timedelta(days=400)
    make_account(csm=alice, arr=Decimal("300"), contract_start=year_ago)
    make_account(csm=alice, arr=Decimal("100"), contract_start=year_ago, outcome="churned",
                 outcome_on=today - timedelta(days=30))  # fmt: skip
    body = as_vera.get("/api/v1/portfolio/").json()
    assert (body["grr"], body["nrr"]) == (0.75, 0.75)


def test_portfolio_lists_twelve_months_of_retention(as_vera, alice):
    make_account(csm=alice)
    assert len(as_vera.get("/api/v1/portfolio/").json()["retention"]["by_month"]) == 12
