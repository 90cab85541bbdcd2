"""A large seed is a bulk load: the rows a seed always wrote, with constraints, indexes and
triggers back as they were, and rollups equal to what the triggers fold in at ingest."""

from datetime import date

import pytest
from django.db import connection

from accounts.models import Account
from demo.seed import seed_portfolio
from signals.models import Signal
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
