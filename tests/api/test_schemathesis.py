"""Schemathesis against the live OpenAPI schema: no 5xx, no response that breaks the schema,
and the schema says what the code does: data it allows is accepted (positive data), data it
forbids is refused (negative data)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token

from tests.factories import make_account, make_signal, make_stakeholder

# Which operations may refuse schema-valid data for what is (not) stored, and why.
CONFIG = Path(__file__).with_name("schemathesis.toml")


def _schemathesis() -> str | None:
    beside_python = Path(sys.executable).with_name("schemathesis")
    if beside_python.exists():
        return str(beside_python)
    return shutil.which("schemathesis")


@pytest.mark.django_db(transaction=True)
def test_live_api_has_no_server_errors_or_schema_violations(live_server, vera, alice, tmp_path):
    binary = _schemathesis()
    if binary is None:
        pytest.skip("schemathesis is not installed")
    account = make_account(csm=alice)
    make_stakeholder(account=account)
    make_signal(account=account)
    token, _ = Token.objects.get_or_create(user=vera)
    command = [
        binary,
        "--no-color",
        "--config-file",
        str(CONFIG),
        "run",
        f"{live_server.url}/api/v1/schema/",
        "--url",
        live_server.url,
        "-H",
        f"Authorization: Token {token.key}",
        "--checks",
        "not_a_server_error,response_schema_conformance,status_code_conformance,"
        "content_type_conformance,negative_data_rejection,positive_data_acceptance",
        "--mode",
        "all",
        "--max-examples",
        os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "8"),
        "--phases",
        "examples,fuzzing",
        "--seed",
        "1",
        "--request-timeout",
        "30",
        "--report-dir",
        str(tmp_path),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
