import os
import secrets
import subprocess
import sys
from pathlib import Path

import dj_database_url
import pytest
from django.conf import settings
from django.db import connection

from candor import embedded_db

CHECK_SETTINGS = [sys.executable, "-c", "import django; django.setup()"]


# The suite's own settings, which a process started with Candor's settings must not inherit.
SUITE_ONLY = {"DEBUG", "SECRET_KEY", "CANDOR_LOCAL"}


def run_with_env(**env):
    base = {k: v for k, v in os.environ.items() if k not in SUITE_ONLY}
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


PRINT_SETTINGS = [
    sys.executable, "-c",
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.DEBUG, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, "
    "s.ALLOWED_HOSTS[0], s.WHITENOISE_USE_FINDERS)",
]  # fmt: skip
PRODUCTION = {"SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "candor.example.com"}


def settings_with_env(**env):
    base = {k: v for k, v in os.environ.items() if k not in SUITE_ONLY}
    base.update(DJANGO_SETTINGS_MODULE="candor.settings", **env)
    result = subprocess.run(
        PRINT_SETTINGS, env=base, capture_output=True, text=True, cwd=settings.BASE_DIR
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_debug_is_off_unless_the_environment_turns_it_on():
    assert settings_with_env(**PRODUCTION)[0] == "False"
    assert settings_with_env(DEBUG="1")[0] == "True"


def test_https_redirect_and_hsts_are_on_by_default_in_production():
    assert settings_with_env(**PRODUCTION)[:4] == ["False", "True", "31536000", "True"]


def test_production_serves_static_files_from_collectstatic_only():
    assert settings_with_env(**PRODUCTION)[4:] == ["candor.example.com", "False"]


def test_the_local_profile_keeps_debug_off_and_needs_no_secret_key():
    assert settings_with_env(CANDOR_LOCAL="1")[0] == "False"


def test_the_local_profile_serves_plain_http_on_local_hosts_from_the_source_tree():
    assert settings_with_env(CANDOR_LOCAL="1")[1:] == ["False", "0", "False", "127.0.0.1", "True"]


def test_https_redirect_and_hsts_follow_the_environment():
    env = {**PRODUCTION, "SECURE_SSL_REDIRECT": "0", "SECURE_HSTS_SECONDS": "600"}
    assert settings_with_env(**env)[1:3] == ["False", "600"]


def test_check_deploy_is_clean_with_the_production_variables():
    # The browser tests' conftest sets DJANGO_ALLOW_ASYNC_UNSAFE for the whole session; a
    # production process never has it, and check --deploy refuses it.
    drop = {*SUITE_ONLY, "DJANGO_ALLOW_ASYNC_UNSAFE"}
    base = {k: v for k, v in os.environ.items() if k not in drop}
    base.update(DJANGO_SETTINGS_MODULE="candor.settings", **PRODUCTION)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=base, capture_output=True, text=True, cwd=settings.BASE_DIR,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_make_run_uses_the_local_profile_with_debug_off():
    makefile = (Path(settings.BASE_DIR) / "Makefile").read_text()
    assert "$(LOCAL_TARGETS): export CANDOR_LOCAL ?= 1" in makefile
    assert "LOCAL_TARGETS := migrate seed score run serve" in makefile
    assert "export DEBUG" not in makefile


def test_broker_visibility_timeout_is_minutes_just_past_the_task_time_limit():
    timeout = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert settings.CELERY_TASK_TIME_LIMIT < timeout <= settings.CELERY_TASK_TIME_LIMIT + 120
    assert timeout <= 15 * 60
    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_TASK_REJECT_ON_WORKER_LOST
    assert settings.CELERY_BROKER_CONNECTION_MAX_RETRIES is None  # a worker outlives outages
