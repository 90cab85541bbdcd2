"""The WSGI application sends /ingest/ to the same views behind a short middleware chain: the
answers, the refusals and the security headers stay Segment's and Candor's; no session, no
CSRF, no audit context."""

import io
import json
import os
import subprocess
import sys
from wsgiref.util import setup_testing_defaults

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from candor.wsgi import application
from sources.models import RawMessage

from .conftest import basic

pytestmark = pytest.mark.django_db

BATCH = "/ingest/segment/v1/batch"


def call(path, body=b"", method="POST", **headers):
    """One request through candor.wsgi.application, as gunicorn makes it: (status, headers,
    body)."""
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "SERVER_NAME": "testserver",
               "HTTP_HOST": "testserver", "CONTENT_TYPE": "application/json",
               "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body), **headers}  # fmt: skip
    setup_testing_defaults(environ)
    answer = {}

    def start_response(status, response_headers, exc_info=None):
        answer["status"], answer["headers"] = int(status.split()[0]), response_headers

    # As Django's test client: the test's transaction outlives the request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        content = b"".join(application(environ, start_response))
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return answer["status"], answer["headers"], content


def header(headers, name):
    return [value for key, value in headers if key.lower() == name.lower()]


def batch(*messages):
    return json.dumps({"batch": list(messages)}).encode()


def test_a_batch_through_the_lean_path_is_kept_and_answered_exactly_success_true(key, source):
    status, _, body = call(BATCH, batch({"type": "track", "event": "Login", "messageId": "m1"}),
                           HTTP_AUTHORIZATION=basic(key))  # fmt: skip
    assert (status, json.loads(body)) == (200, {"success": True})
    assert RawMessage.objects.get().message_id == "m1"


def test_a_wrong_key_on_the_lean_path_is_401_in_segments_error_shape(source):
    status, _, body = call(BATCH, batch(), HTTP_AUTHORIZATION=basic("wrong"))
    assert (status, json.loads(body)) == (
        401, {"success": False, "code": "unauthorized", "message": "Wrong or revoked source key."},
    )  # fmt: skip


def test_bad_json_on_the_lean_path_is_400_and_keeps_nothing(key, source):
    status, _, body = call(BATCH, b'{"batch": [', HTTP_AUTHORIZATION=basic(key))
    assert (status, json.loads(body)["code"]) == (400, "invalid_json")
    assert not RawMessage.objects.exists()


def test_the_lean_path_sets_no_cookie(key, source):
    _, headers, _ = call(BATCH, batch({"type": "track", "event": "Login"}),
                         HTTP_AUTHORIZATION=basic(key))  # fmt: skip
    assert header(headers, "Set-Cookie") == []


def test_the_lean_path_keeps_the_security_headers(key, source):
    _, headers, _ = call(BATCH, batch(), HTTP_AUTHORIZATION=basic(key))
    assert header(headers, "X-Content-Type-Options") == ["nosniff"]
    assert {"private", "no-store"} <= {
        part.strip() for part in header(headers, "Cache-Control")[0].split(",")
    }
    assert header(headers, "X-Frame-Options") == ["DENY"]


def test_the_lean_path_refuses_a_host_not_allowed(key, source):
    status, _, _ = call(BATCH, batch(), HTTP_HOST="evil.example", HTTP_AUTHORIZATION=basic(key))
    assert status == 400


def test_pages_outside_ingest_keep_the_full_middleware_chain(db):
    status, headers, _ = call("/", method="GET")
    assert status == 302  # sign-in first, as every page asks
    assert header(headers, "Content-Security-Policy")


def test_the_application_is_loaded_with_its_urlconf(settings):
    """As gunicorn preloads it: workers forked afterwards share the views already imported."""
    code = "import sys, candor.wsgi; print('sources.ingest_views' in sys.modules)"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "candor.test_settings"}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                            text=True, cwd=settings.BASE_DIR, timeout=120)  # fmt: skip
    assert result.stdout.strip() == "True", result.stderr
