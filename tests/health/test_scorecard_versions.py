"""Scorecard edits write immutable versions; every score names the version that produced it."""

import pytest
from django.core.exceptions import ValidationError

from health.models import HealthScore, Scorecard, ScorecardVersion
from health.selectors import health_scorecard_version, scorecard_specs
from health.services import (
    score_accounts,
    scorecard_update,
    scorecard_version_adopt,
    scorecard_version_propose,
)
from tests.factories import make_account, make_signal

pytestmark = pytest.mark.django_db


@pytest.fixture
def card(db):
    return Scorecard.objects.create(name="Default")


def test_a_new_scorecard_starts_at_version_1_with_every_default_written_down(card):
    (version,) = card.versions.all()
    assert (card.version, version.number) == (1, 1)
    assert version.weights["outcomes"] == 35
    assert version.value_kinds == ["roi_report_generated"]
    assert "champion_left" in version.capping_flags
    assert version.adopted_at is not None


def test_an_edit_writes_the_next_version_and_keeps_the_old_one_as_it_was(card, vera):
    scorecard_update(scorecard=card, user=vera, weights={"outcomes": 50})
    old, new = card.versions.order_by("number")
    assert card.version == new.number == 2
    assert (old.weights["outcomes"], new.weights["outcomes"]) == (35, 50)
    assert new.created_by == vera


def test_saving_without_changing_what_it_scores_with_writes_no_version(card):
    card.name = "Renamed"
    card.save()
    assert card.versions.count() == 1 and card.version == 1


def test_a_version_cannot_be_edited(card):
    version = card.versions.get()
    version.weights = {"outcomes": 1}
    with pytest.raises(ValidationError, match="immutable"):
        version.save()


def test_a_proposal_changes_nothing_until_it_is_adopted(card, vera):
    proposal = scorecard_version_propose(scorecard=card, weights={"outcomes": 10}, note="fit")
    card.refresh_from_db()
    assert (proposal.number, proposal.adopted_at, card.version) == (2, None, 1)
    assert scorecard_specs()[""].weights["outcomes"] == 35
    scorecard_version_adopt(version=proposal, user=vera)
    card.refresh_from_db()
    assert card.version == 2 and card.effective_weights["outcomes"] == 10
    assert scorecard_specs()[""].version == 2
    proposal.refresh_from_db()
    assert proposal.adopted_by == vera


def test_version_numbers_are_never_reused(card):
    scorecard_version_propose(scorecard=card, weights={"outcomes": 10})
    scorecard_update(scorecard=card, weights={"outcomes": 20})
    assert sorted(card.versions.values_list("number", flat=True)) == [1, 2, 3]
    assert card.version == 3


def test_a_past_score_reloads_the_exact_version_that_produced_it(card, alice):
    account = make_account(csm=alice)
    make_signal(account=account)
    score_accounts(account_ids=[account.pk])
    scorecard_update(scorecard=card, thresholds={"green": 90})
    score_accounts(account_ids=[account.pk])
    first, second = HealthScore.objects.filter(account=account).order_by("computed_at")
    assert (first.scorecard_version, second.scorecard_version) == (1, 2)
    assert health_scorecard_version(first).thresholds["green"] == 70
    assert health_scorecard_version(second).thresholds["green"] == 90
    assert health_scorecard_version(second) == ScorecardVersion.objects.get(number=2)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"capping_flags": ["not_a_flag"]}, "capping_flags"),
        ({"usage_kinds": []}, "usage_kinds"),
        ({"weights": {"outcomes": -1}}, "weights"),
    ],
)
def test_a_bad_edit_is_refused_and_writes_no_version(card, changes, field):
    with pytest.raises(ValidationError) as error:
        scorecard_update(scorecard=card, **changes)
    assert field in error.value.message_dict
    assert card.versions.count() == 1
