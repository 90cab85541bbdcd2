"""One flag registry: every list of flags the product shows is read from it."""

import pytest
from django.urls import reverse

from health.filters import FLAG_CHOICES, AccountHealthFilter, HealthFilter
from health.portfolio import summarise
from health.scoring.flags import CAPPING_FLAGS, FLAG_CODES, FLAGS, capping_codes, capping_mask


def test_each_flag_is_registered_once_with_label_rule_and_reasons():
    assert len(FLAG_CODES) == len(set(FLAG_CODES)) == len(FLAGS)
    for flag in FLAGS:
        assert flag.label and callable(flag.rule) and callable(flag.reasons)


def test_filters_offer_exactly_the_registered_flags():
    assert [code for code, _ in FLAG_CHOICES] == list(FLAG_CODES)
    for filterset in (HealthFilter, AccountHealthFilter):
        choices = filterset.base_filters["flag"].extra["choices"]
        assert [code for code, _ in choices] == list(FLAG_CODES)


def test_the_portfolio_sums_arr_for_exactly_the_registered_flags():
    assert list(summarise([])["by_flag"]) == list(FLAG_CODES)


@pytest.mark.django_db
def test_the_book_offers_exactly_the_registered_flags(client, alice):
    client.force_login(alice)
    assert list(client.get(reverse("home")).context["flag_labels"]) == list(FLAG_CODES)


def test_the_capping_mask_round_trips_any_choice_of_flags():
    assert capping_codes(capping_mask(CAPPING_FLAGS)) == CAPPING_FLAGS
    assert capping_codes(capping_mask(())) == ()
