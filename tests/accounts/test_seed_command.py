"""seed_demo as a command: deterministic per seed, with a readable summary."""

from django.contrib.auth import get_user_model

from accounts.models import Account, Team
from demo.portfolio import STORIES
from signals.models import Signal
from tests.accounts.test_seed_demo import ACCOUNTS, portfolio_fingerprint, seed


def signal_fingerprint() -> list[tuple]:
    return list(
        Signal.objects.order_by("external_id").values_list(
            "external_id", "account__external_id", "kind", "occurred_at", "actor", "value"
        )
    )


def test_same_seed_builds_the_same_portfolio_in_a_fresh_database(db):
    seed()
    first = portfolio_fingerprint()
    first_signals = signal_fingerprint()
    Account.objects.all().delete()
    Team.objects.all().delete()
    get_user_model().objects.all().delete()
    seed()
    assert portfolio_fingerprint() == first
    assert signal_fingerprint() == first_signals


def test_a_different_seed_builds_a_different_portfolio(db):
    seed()
    first = portfolio_fingerprint()
    Account.objects.all().delete()
    seed(seed=8)
    assert portfolio_fingerprint() != first


def test_seed_prints_a_summary_per_story(db):
    output = seed()
    for story in STORIES:
        assert story in output
    assert f"Seeded {ACCOUNTS} accounts" in output


def test_a_seed_written_in_chunks_is_the_same_portfolio(db, monkeypatch):
    seed()
    whole = (portfolio_fingerprint(), signal_fingerprint())
    Account.objects.all().delete()
    Team.objects.all().delete()
    get_user_model().objects.all().delete()
    monkeypatch.setattr("demo.seed.CHUNK_ACCOUNTS", 7)
    seed()
    assert (portfolio_fingerprint(), signal_fingerprint()) == whole
