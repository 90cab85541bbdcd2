import os
import subprocess
import sys
from pathlib import Path

import dj_database_url
import pytest
from django.conf import settings
from django.db import connection

from candor import embedded_db

CHECK_SETTINGS = [sys.executable, "-c", "import django; django.setup()"]


def run_with_env(**env):
    base = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    base.update(DJANGO_SETTINGS_MODULE="candor.settings", **env)
    return subprocess.run(
        CHECK_SETTINGS, env=base, capture_output=True, text=True, cwd=settings.BASE_DIR
    )


def test_refuses_to_start_with_debug_off_and_no_secret_key():
    result = run_with_env(DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_starts_with_debug_off_when_a_secret_key_is_given():
    result = run_with_env(DEBUG="0", SECRET_KEY="x" * 50)
    assert result.returncode == 0, result.stderr


@pytest.mark.django_db
def test_runs_on_postgresql_whatever_database_url_says():
    assert connection.vendor == "postgresql"


@pytest.mark.django_db
def test_uses_the_server_database_url_names_or_the_embedded_one():
    url = os.environ.get("DATABASE_URL", "")
    host = connection.settings_dict["HOST"]
    if url:
        assert host == dj_database_url.parse(url)["HOST"]
    else:
        assert (Path(host) / ".s.PGSQL.5432").exists()
        assert "running" in embedded_db.status()


def test_celery_is_eager_only_without_redis():
    assert settings.CELERY_TASK_ALWAYS_EAGER is (not os.environ.get("REDIS_URL"))


def test_database_stores_times_in_utc():
    assert settings.USE_TZ is True
    assert settings.TIME_ZONE == "UTC"
