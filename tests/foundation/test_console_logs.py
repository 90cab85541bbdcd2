"""`make run`'s console: an expected 403 or 404 is one line, a server error keeps its traceback."""

import logging
import sys

import pytest
from django.urls import reverse

from accounts.models import Note
from candor.logs import ExpectedClientErrors
from tests.factories import make_account

pytestmark = pytest.mark.django_db


def test_an_expected_403_is_logged_as_one_line_without_a_traceback(client, alice, vera, caplog):
    account = make_account(csm=alice)
    note = Note.objects.create(account=account, author=alice, body="Mine.")
    client.force_login(vera)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.post(reverse("note_edit", args=[account.pk, note.pk]), {"body": "x"})
    assert response.status_code == 403
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.getMessage().startswith("Forbidden (Permission denied)")
    assert "Traceback" not in caplog.text


def _record(status_code: int) -> logging.LogRecord:
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        record = logging.LogRecord(
            "django.request", logging.ERROR, __file__, 1, "x", (), sys.exc_info()
        )
    record.status_code = status_code
    return record


def test_a_server_error_keeps_its_traceback():
    record = _record(500)
    assert ExpectedClientErrors().filter(record) and record.exc_info is not None


def test_a_not_found_loses_its_traceback_but_keeps_its_line():
    record = _record(404)
    assert ExpectedClientErrors().filter(record) and record.exc_info is None
