"""Is it up: `/healthz` says the process answers; `/readyz` says whether it can serve (database,
cache, broker), for load balancers, compose and Kubernetes.

The probes answer before any other middleware: an orchestrator probes by pod address over plain
http, which the host check and the HTTPS redirect would otherwise refuse. They reveal nothing
about customers and need no sign-in.
"""

import logging

from django.conf import settings
from django.db import connections
from django.http import JsonResponse

logger = logging.getLogger(__name__)

PROBE_TIMEOUT_SECONDS = 1.0


def database_state() -> str:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception:
        logger.warning("Readiness: database down", exc_info=True)
        connections["default"].close_if_unusable_or_obsolete()
        return "down"


def _redis_state(url: str, what: str) -> str:
    import redis

    client = redis.Redis.from_url(
        url, socket_connect_timeout=PROBE_TIMEOUT_SECONDS, socket_timeout=PROBE_TIMEOUT_SECONDS
    )
    try:
        client.ping()
        return "ok"
    except redis.RedisError:
        logger.warning("Readiness: %s down", what, exc_info=True)
        return "down"
    finally:
        client.close()


def cache_state() -> str:
    """The in-process cache is always there; Redis is asked directly, past the fail-open
    wrapper that would hide an outage."""
    location = settings.CACHES["default"].get("LOCATION", "")
    if not str(location).startswith("redis"):
        return "ok"
    return _redis_state(location, "cache")


def broker_state() -> str:
    """Without a broker Celery runs tasks in-process (eager), so there is nothing to be down."""
    if settings.CELERY_TASK_ALWAYS_EAGER or not settings.CELERY_BROKER_URL.startswith("redis"):
        return "ok"
    return _redis_state(settings.CELERY_BROKER_URL, "broker")


def readiness() -> dict[str, str]:
    return {"database": database_state(), "cache": cache_state(), "broker": broker_state()}


def healthz() -> tuple[dict, int]:
    return {"status": "ok"}, 200


def readyz() -> tuple[dict, int]:
    states = readiness()
    return states, 503 if "down" in states.values() else 200


PROBES = {"/healthz": healthz, "/readyz": readyz}


class ProbeMiddleware:
    """Answers GET/HEAD /healthz and /readyz before the host check, the HTTPS redirect and
    authentication; everything else goes on."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        probe = PROBES.get(request.path_info)
        if probe is None or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        body, status = probe()
        response = JsonResponse(body, status=status)
        response["Cache-Control"] = "no-store"
        return response
