"""bench_scoring's CPU figures of the 100-account rescore: this process's and its backend's."""

import pytest

from health.management.commands.bench_scoring import _rescore_cpu, backend_cpu_s


def test_rescore_cpu_is_the_median_of_the_process_and_of_the_backends_known():
    rescores = [(0.1, 0.05, 0.03), (0.2, 0.07, None), (0.3, 0.06, 0.01)]
    assert _rescore_cpu(rescores) == {"rescore_100_cpu_ms": 60.0, "rescore_100_db_cpu_ms": 20.0}


def test_rescore_cpu_of_a_remote_backend_is_unknown():
    assert _rescore_cpu([(0.1, 0.05, None)])["rescore_100_db_cpu_ms"] is None


@pytest.mark.django_db
def test_backend_cpu_is_read_for_a_local_database_or_unknown():
    cpu = backend_cpu_s()
    assert cpu is None or cpu >= 0
