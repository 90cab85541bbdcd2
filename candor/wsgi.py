"""The WSGI application: Django's, with the Segment-compatible ingest dispatched first to the
same URLs and views behind a short middleware chain.

An ingest request is authenticated by its source key and answers JSON: sessions, CSRF (the
views are exempt), sign-in, messages, CSP, the audit context (which prefixes every SQL
statement) and login throttling have nothing to do there, and at hundreds of requests a second
they cost more than the request's own work. The request id, the host check, the HTTPS redirect
and the security headers stay.
"""

import os

from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler
from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver
from django.utils.module_loading import import_string

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "candor.settings")

INGEST_PREFIX = "/ingest/"
INGEST_MIDDLEWARE = (
    "django_guid.middleware.guid_middleware",
    "django.middleware.security.SecurityMiddleware",
    "candor.headers.PrivateNoStoreMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
)


class LeanWSGIHandler(WSGIHandler):
    """Django's handler with its own middleware list (synchronous middleware only)."""

    def __init__(self, middleware: tuple[str, ...]):
        self.middleware = middleware
        super().__init__()

    def load_middleware(self, is_async=False):
        self._view_middleware, self._exception_middleware = [], []
        self._template_response_middleware = []
        handler = convert_exception_to_response(self._get_response)
        for path in reversed(self.middleware):
            instance = import_string(path)(handler)
            if hasattr(instance, "process_view"):
                self._view_middleware.insert(0, instance.process_view)
            if hasattr(instance, "process_template_response"):
                self._template_response_middleware.append(instance.process_template_response)
            if hasattr(instance, "process_exception"):
                self._exception_middleware.append(instance.process_exception)
            handler = convert_exception_to_response(instance)
        self._middleware_chain = handler


site = get_wsgi_application()
ingest = LeanWSGIHandler(INGEST_MIDDLEWARE)
# The URLconf, and every view module it imports, loaded now: gunicorn loads this module before
# it forks, so a worker's first request no longer imports them (half a second of CPU per worker
# here, paid by each of the 2 x cores + 1 workers while the Segment libraries' first batches
# wait and time out).
get_resolver().url_patterns  # noqa: B018


def application(environ, start_response):
    if environ.get("PATH_INFO", "").startswith(INGEST_PREFIX):
        return ingest(environ, start_response)
    return site(environ, start_response)
