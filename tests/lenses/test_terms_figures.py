"""The Finance lens's term structures, checked against the hand-computed accounts of conftest."""

import pytest

from accounts.models import Account
from lenses.selectors import accounts_on_terms, terms_lens
from tests.factories import make_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def lens(terms):
    return terms_lens(Account.objects.all())


def test_structures_are_counted_by_deviations_and_their_values(lens):
    assert lens["structures"] == 3  # standard, net 60, net 90 with 15% off; churned T6 not


def test_a_standard_value_written_out_is_still_standard_terms(lens):
    assert lens["standard_accounts"] == 2  # T1 and T2


def test_the_standard_share_is_of_accounts_and_of_arr(lens):
    assert lens["standard_account_share"] == 0.4
    assert lens["standard_arr_share"] == round(150000 / 400000, 4)


def test_each_structure_carries_its_accounts_and_arr_most_accounts_first(lens):
    top = lens["by_structure"][0]
    assert (top["structure"], top["accounts"], top["arr"]) == ({"payment_terms": "net_60"}, 2,
                                                               220000.0)  # fmt: skip


def test_the_most_common_deviation_is_a_term_with_its_value(lens):
    first = lens["deviations"][0]
    assert (first["term"], first["value"], first["accounts"]) == ("payment_terms", "net_60", 2)
    assert len(lens["deviations"]) == 3


def test_renewals_listed_are_the_next_two_quarters_on_custom_terms(lens):
    assert [(r["name"], r["deviations"]) for r in lens["renewals"]] == [
        ("T3", "payment_terms: net_60")
    ]


def test_churn_by_terms_uses_the_portfolios_retention(lens):
    standard, custom = lens["outcomes"]
    assert (standard["churned_arr"], standard["grr"]) == (0.0, 1.0)
    assert (custom["churned_accounts"], custom["churned_arr"]) == (1, 10000.0)
    assert custom["grr"] == round(250000 / 260000, 4)


def test_health_by_terms_counts_todays_red_and_amber(lens):
    standard, custom = lens["outcomes"]
    assert (standard["at_risk_accounts"], standard["average_score"]) == (0, 80.0)
    assert (custom["at_risk_accounts"], custom["at_risk_arr"]) == (2, 230000.0)


def test_a_structure_drills_down_to_its_accounts(terms):
    found = accounts_on_terms(Account.objects.all(), structure={"payment_terms": "net_60"})
    assert set(found.values_list("name", flat=True)) == {"T3", "T4"}


def test_an_empty_portfolio_has_no_structure_and_no_share(db):
    lens = terms_lens(Account.objects.all())
    assert (lens["structures"], lens["standard_account_share"], lens["deviations"]) == (0, None, [])


def test_a_portfolio_all_on_standard_terms_has_one_structure_and_no_custom_churn(alice):
    make_account(csm=alice, deal_terms={"billing": "annual"})
    lens = terms_lens(Account.objects.all())
    assert lens["structures"] == 1 and lens["outcomes"][1]["grr"] is None
