"""/healthz and /readyz: in-process for the answers, real gunicorn processes for the outages."""

import json
import shutil
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings

from tests.faults.processes import OwnRedis, free_port, production_env

REDIS_SERVER = shutil.which("redis-server")


def test_healthz_answers_without_sign_in(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_reports_each_dependency_ok(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "cache": "ok", "broker": "ok"}


@override_settings(ALLOWED_HOSTS=["candor.example.com"], SECURE_SSL_REDIRECT=True)
def test_probes_answer_a_pod_address_over_plain_http(client):
    response = client.get("/healthz", HTTP_HOST="10.1.2.3:8000")
    assert response.status_code == 200


@pytest.mark.django_db
def test_readyz_is_503_when_the_broker_is_down(client):
    dead = f"redis://127.0.0.1:{free_port()}/0"
    with override_settings(CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL=dead):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["broker"] == "down"
    assert response.json()["database"] == "ok"


def _get(url):
    try:
        with urllib.request.urlopen(url, timeout=20) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.django_db(transaction=True)
def test_readyz_is_503_with_the_database_down(start_gunicorn):
    env = production_env("", DATABASE_URL=f"postgres://postgres@127.0.0.1:{free_port()}/gone")
    env.pop("REDIS_URL")
    server = start_gunicorn(env, workers=1)
    status, body = _get(f"{server.url}/readyz")
    assert status == 503
    assert body == {"database": "down", "cache": "ok", "broker": "ok"}


@pytest.mark.skipif(REDIS_SERVER is None, reason="needs redis-server")
@pytest.mark.django_db(transaction=True)
def test_readyz_follows_the_broker_going_down(start_gunicorn, tmp_path):
    redis = OwnRedis(tmp_path)
    redis.start()
    try:
        server = start_gunicorn(production_env(redis.url), workers=1)
        assert _get(f"{server.url}/readyz") == (
            200,
            {"database": "ok", "cache": "ok", "broker": "ok"},
        )
        redis.stop()
        status, body = _get(f"{server.url}/readyz")
    finally:
        redis.stop()
    assert status == 503
    assert body == {"database": "ok", "cache": "down", "broker": "down"}


def test_compose_web_healthcheck_probes_readiness():
    compose = (Path(settings.BASE_DIR) / "docker-compose.yml").read_text()
    web = compose[compose.index("\n  web:") : compose.index("\n  worker:")]
    assert "/readyz" in web
