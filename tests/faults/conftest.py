"""Fixtures of the fault tests: a Redis, gunicorn and Celery workers of the test's own."""

import sys

import pytest

from tests.faults.processes import Gunicorn, OwnRedis, Process


@pytest.fixture
def own_redis(tmp_path):
    redis = OwnRedis(tmp_path)
    redis.start()
    yield redis
    redis.stop()


@pytest.fixture
def start_gunicorn(tmp_path):
    started = []

    def start(env, workers=2):
        server = Gunicorn(env, tmp_path, workers)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def start_worker(tmp_path):
    """`celery worker` processes (prefork, one child) on the given environment."""
    started = []

    def start(env, name):
        args = [sys.executable, "-m", "celery", "-A", "candor", "worker", "--pool", "prefork",
                "--concurrency", "1", "--loglevel", "INFO", "-n", f"{name}@%h",
                "--without-gossip", "--without-mingle"]  # fmt: skip
        worker = Process(args, env, tmp_path / f"{name}.log")
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def start_beat(tmp_path):
    """`celery beat`, as production runs it beside the workers (its schedule file in tmp)."""
    started = []

    def start(env):
        args = [sys.executable, "-m", "celery", "-A", "candor", "beat", "--loglevel", "INFO",
                "--schedule", str(tmp_path / "celerybeat-schedule")]  # fmt: skip
        beat = Process(args, env, tmp_path / "beat.log")
        started.append(beat)
        return beat

    yield start
    for beat in started:
        beat.stop()
