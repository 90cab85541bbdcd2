"""A large seed is a bulk load: the rows a seed always wrote, with constraints, indexes and
triggers back as they were, and rollups equal to what the triggers fold in at ingest."""

from datetime import date

import pytest
from django.db import connection, models, transaction

from accounts.models import Account, Decision, ObjectiveSignature, Stakeholder
from demo import seed as demo_seed
from demo import texts
from demo.seed import csm_usernames, demo_users, seed_portfolio
from signals.models import Signal
from signals.rollups import rollups_rebuild
from tests.accounts.conftest import fast_password_hashing  # noqa: F401
from tests.signals.test_rollups import rollup_contents

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 1)
ACCOUNTS = 40

SCHEMA_SQL = """
    SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
    WHERE connamespace = 'public'::regnamespace
    UNION ALL SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'
    UNION ALL SELECT tgrelid::regclass::text, tgname, tgenabled::text FROM pg_trigger
    WHERE NOT tgisinternal
"""


def schema() -> set[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(SCHEMA_SQL)
        return set(cursor.fetchall())


def seed(**options) -> dict:
    return seed_portfolio(accounts=ACCOUNTS, seed=7, today=TODAY, signals_per_account=20, **options)


def test_a_bulk_seed_leaves_constraints_indexes_and_triggers_as_they_were():
    before = schema()
    seed(bulk=True)
    assert schema() == before


def test_a_bulk_seed_leaves_the_rollups_the_ingest_triggers_fold_in():
    seed(bulk=True)
    bulk_rollups = rollup_contents()
    signals = list(Signal.objects.all())
    Signal.objects.all().delete()
    assert rollup_contents() == ([], [], [], [])
    Signal.objects.bulk_create(signals)
    assert rollup_contents() == bulk_rollups


def test_a_bulk_seed_writes_about_the_signals_per_account_asked_for():
    summary = seed(bulk=True)
    assert 18 <= summary["signals"] / ACCOUNTS <= 22
    assert Signal.objects.count() == summary["signals"]


def test_a_small_seed_counts_the_requested_signals_as_product_usage_alone():
    summary = seed()
    assert summary["signals"] / ACCOUNTS > 30


def test_a_bulk_seed_keeps_every_story_and_each_account_signalled():
    seed(bulk=True)
    assert Account.objects.count() == ACCOUNTS
    assert not Account.objects.filter(signals__isnull=True).exists()


CHUNKED = 60  # accounts, built three chunks of 20 in processes


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(demo_seed, "CHUNK_ACCOUNTS", 20)


def portfolio_rows() -> dict:
    """What a seed wrote, its timestamps (the moment it ran) aside."""
    return {
        "accounts": list(Account.objects.order_by("id").values_list(
            "id", "external_id", "name", "arr", "seats", "contract_start", "csm_id",
            "sales_owner_id", "deal_terms",
        )),
        "stakeholders": list(Stakeholder.objects.order_by("id").values_list()),
        "signatures": list(ObjectiveSignature.objects.order_by("id").values_list()),
        "decisions": list(Decision.objects.order_by("id").values_list(
            "id", "account_id", "summary", "owner_id", "decided_on",
        )),
        "signals": list(Signal.objects.order_by("id").values_list(
            "id", "account_id", "external_id", "kind", "occurred_at", "actor", "value",
        )),
    }  # fmt: skip


def chunked_seed(processes: int) -> dict:
    """A bulk seed of CHUNKED accounts built in `processes` processes, read, and rolled back
    (the demo users made beforehand, so the next seed finds the same ones)."""
    demo_users(csm_usernames(CHUNKED))
    sid = transaction.savepoint()
    seed_portfolio(
        accounts=CHUNKED, seed=7, today=TODAY, signals_per_account=20, bulk=True,
        processes=processes,
    )  # fmt: skip
    rows = portfolio_rows()
    transaction.savepoint_rollback(sid)
    return rows


def test_a_bulk_seed_built_in_processes_writes_the_same_rows_whatever_their_number(small_chunks):
    first = chunked_seed(processes=2)
    assert len(first["accounts"]) == CHUNKED
    assert first == chunked_seed(processes=2)
    assert first == chunked_seed(processes=1)


def test_a_bulk_seed_built_in_processes_numbers_every_table_without_gaps(small_chunks):
    rows = chunked_seed(processes=2)
    for table in rows.values():
        ids = [row[0] for row in table]
        assert ids == list(range(ids[0], ids[0] + len(ids)))


def test_a_bulk_seed_built_in_processes_links_its_people_within_each_account(small_chunks):
    seed_portfolio(accounts=CHUNKED, seed=7, today=TODAY, signals_per_account=20, bulk=True)
    assert not ObjectiveSignature.objects.exclude(
        stakeholder__account_id=models.F("objective__account_id")
    ).exists()
    assert not Decision.objects.exclude(owner__account_id=models.F("account_id")).exists()


def test_a_bulk_seed_built_in_processes_names_every_account_apart(small_chunks, monkeypatch):
    """Two words give six regional names: every chunk runs out of them."""
    monkeypatch.setattr(texts, "PREFIXES", ["Northwind"])
    monkeypatch.setattr(texts, "SUFFIXES", ["Logistics"])
    seed_portfolio(accounts=CHUNKED, seed=7, today=TODAY, signals_per_account=20, bulk=True)
    names = list(Account.objects.values_list("name", flat=True))
    assert len(set(names)) == len(names) == CHUNKED


def test_a_bulk_seed_built_in_processes_leaves_the_rollups_a_rebuild_makes(small_chunks):
    seed_portfolio(accounts=CHUNKED, seed=7, today=TODAY, signals_per_account=20, bulk=True)
    bulk_rollups = rollup_contents()
    rollups_rebuild()
    assert rollup_contents() == bulk_rollups
