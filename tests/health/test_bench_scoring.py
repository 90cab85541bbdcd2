"""bench_scoring's CPU figures of the 100-account rescore: this process's and its backend's."""

from datetime import date

import pytest
from django.db import connection
from django.utils import timezone

from candor.partitions import table_exists
from health.features import build_features
from health.management.commands import bench_scoring
from health.management.commands.bench_scoring import _rescore_cpu, backend_cpu_s
from health.services import score_features
from tests.factories import make_account


def test_rescore_cpu_is_the_median_of_the_process_and_of_the_backends_known():
    rescores = [(0.1, 0.05, 0.03), (0.2, 0.07, None), (0.3, 0.06, 0.01)]
    assert _rescore_cpu(rescores) == {"rescore_100_cpu_ms": 60.0, "rescore_100_db_cpu_ms": 20.0}


def test_rescore_cpu_of_a_remote_backend_is_unknown():
    assert _rescore_cpu([(0.1, 0.05, None)])["rescore_100_db_cpu_ms"] is None


@pytest.mark.django_db
def test_backend_cpu_is_read_for_a_local_database_or_unknown():
    cpu = backend_cpu_s()
    assert cpu is None or cpu >= 0


@pytest.mark.django_db
def test_the_copy_floor_copies_the_runs_rows_into_a_table_it_drops(alice):
    accounts = [make_account(csm=alice, contract_start=date(2025, 1, 1)) for _ in range(3)]
    as_of = timezone.now().date()
    features = build_features(as_of, [account.pk for account in accounts])
    scores = score_features(features, as_of)
    first = next_history_id()
    assert bench_scoring.copy_floor(scores, features, as_of, timezone.now()) > 0
    assert next_history_id() == first + len(accounts) + 1  # each copied row drew an id
    with connection.cursor() as cursor:
        assert not table_exists(cursor, bench_scoring.FLOOR_TABLE)


def next_history_id() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('health_healthscore', 'id'))")
        return cursor.fetchone()[0]
