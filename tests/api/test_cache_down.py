"""With Redis down the cache fails open: the API throttle reading it never turns an outage into
500s (Django's own Redis cache raised on every request)."""

import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.core.cache import caches
from django.utils import timezone

from tests.factories import make_account

pytestmark = pytest.mark.django_db

DEAD_REDIS = "redis://127.0.0.1:1/0"


def production_cache_backend() -> str:
    """The cache backend Candor's settings choose when REDIS_URL is set."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "candor.settings", "REDIS_URL": DEAD_REDIS}
    code = "import django; django.setup(); from django.conf import settings as s; "
    code += "print(s.CACHES['default']['BACKEND'])"
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True,
        cwd=django_settings.BASE_DIR, check=True,
    )  # fmt: skip
    return result.stdout.split()[-1]


@pytest.fixture(scope="module")
def backend():
    return production_cache_backend()


@pytest.fixture
def cache_down(settings, backend):
    options = {"socket_connect_timeout": 0.5}
    settings.CACHES = {"default": {"BACKEND": backend, "LOCATION": DEAD_REDIS, "OPTIONS": options}}
    yield caches["default"]
    caches["default"].close()


def test_the_api_answers_with_the_cache_down(cache_down, as_alice, alice):
    make_account(csm=alice)
    assert as_alice.get("/api/v1/accounts/").status_code == 200
    assert as_alice.get("/api/v1/portfolio/").status_code == 403  # answered, not 500


def test_signals_are_accepted_with_the_cache_down(cache_down, as_alice, alice):
    account = make_account(csm=alice)
    row = {"external_id": "c-1", "account": account.pk, "kind": "login",
           "occurred_at": timezone.now().isoformat()}  # fmt: skip
    assert as_alice.post("/api/v1/signals/", [row], format="json").status_code == 201


def test_a_cache_read_with_redis_down_is_a_miss(cache_down):
    assert cache_down.get("anything", "default") == "default"
    assert cache_down.get_or_set("key", lambda: 42) == 42
