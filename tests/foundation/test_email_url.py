import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from candor.email_url import email_settings


def test_console_is_the_development_default():
    assert email_settings("console://")["EMAIL_BACKEND"].endswith("console.EmailBackend")


def test_an_smtp_url_names_host_port_credentials_and_tls():
    config = email_settings("smtp+tls://candor%40acme.com:s%3Dcret@mail.acme.com:2525")
    assert config["EMAIL_BACKEND"].endswith("smtp.EmailBackend")
    assert (config["EMAIL_HOST"], config["EMAIL_PORT"]) == ("mail.acme.com", 2525)
    assert (config["EMAIL_HOST_USER"], config["EMAIL_HOST_PASSWORD"]) == (
        "candor@acme.com",
        "s=cret",
    )
    assert config["EMAIL_USE_TLS"] and not config["EMAIL_USE_SSL"]


def test_an_unknown_scheme_fails_loudly():
    with pytest.raises(ImproperlyConfigured):
        email_settings("pigeon://loft")


def test_digests_are_scheduled_at_seven_utc_by_default():
    entry = settings.CELERY_BEAT_SCHEDULE["send-digests-every-morning"]
    assert entry["task"] == "actions.tasks.send_digests"
    assert entry["schedule"] == crontab(hour="7", minute="0")
