"""Request ids on answers and in log lines; JSON logs; Sentry when SENTRY_DSN is set."""

import gzip
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.conf import settings

from tests.faults.processes import free_port


def test_each_answer_carries_a_new_request_id(client):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]
    assert first and second and first != second


def test_an_incoming_request_id_is_kept(client):
    response = client.get("/login/", HTTP_X_REQUEST_ID="lb-7f3a-42")
    assert response["X-Request-ID"] == "lb-7f3a-42"


def _run(code: str, **env) -> subprocess.CompletedProcess:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "DATABASE_URL")}
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**keep, "DJANGO_SETTINGS_MODULE": "candor.settings", "DEBUG": "1", **env},
        capture_output=True, text=True, cwd=settings.BASE_DIR, timeout=60,
    )  # fmt: skip


NOT_FOUND = """
import django; django.setup()
from django.test import Client
Client().get("/api/v1/no-such-thing/", HTTP_X_REQUEST_ID="req-json-1")
"""


def test_json_logs_are_one_object_per_line_with_the_request_id():
    result = _run(NOT_FOUND, LOG_FORMAT="json")
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    not_found = [line for line in lines if line["message"].startswith("Not Found")]
    assert not_found, result.stderr
    assert not_found[0]["request_id"] == "req-json-1"
    assert {"timestamp", "level", "logger"} <= set(not_found[0])


def test_plain_logs_name_the_request_id_too():
    result = _run(NOT_FOUND)
    line = next(x for x in result.stderr.splitlines() if "Not Found" in x)
    assert "[req-json-1]" in line


class _SentryReceiver(BaseHTTPRequestHandler):
    bodies: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        encoding = self.headers.get("Content-Encoding", "")
        self.bodies.append(gzip.decompress(body) if encoding == "gzip" else body)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def sentry_receiver():
    server = HTTPServer(("127.0.0.1", free_port()), _SentryReceiver)
    _SentryReceiver.bodies = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


REPORT = """
import django; django.setup()
import sentry_sdk
client = sentry_sdk.get_client()
print(sorted(client.integrations))
sentry_sdk.capture_message("candor-sentry-probe")
sentry_sdk.flush(5)
"""


def test_sentry_reports_django_and_celery_errors_when_sentry_dsn_is_set(sentry_receiver):
    dsn = f"http://public@127.0.0.1:{sentry_receiver.server_port}/1"
    result = _run(REPORT, SENTRY_DSN=dsn)
    assert "'celery'" in result.stdout and "'django'" in result.stdout, result.stderr
    assert any(b"candor-sentry-probe" in body for body in _SentryReceiver.bodies)


def test_without_sentry_dsn_nothing_is_reported():
    result = _run(
        "import django; django.setup(); import sentry_sdk; print(sentry_sdk.get_client().is_active())"
    )
    assert result.stdout.strip() == "False", result.stderr
