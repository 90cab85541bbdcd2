"""What the "connect your data" walkthrough reads about a source."""

import pytest

from sources import selectors
from sources.services import event_mappings_update

from .test_ingest_http import BATCH, post

pytestmark = pytest.mark.django_db


def login(n):
    return {"type": "track", "event": "Login", "messageId": f"m{n}", "context": {"groupId": "acme"}}


def test_a_new_source_has_received_nothing(source):
    assert selectors.source_status(source=source) | {"key_last_used_at": None} == {
        "received": False, "unmapped_events": [], "mapped_events": 0, "signals": 0,
        "key_last_used_at": None, "revoked": False,
    }  # fmt: skip


def test_status_names_the_unmapped_events_and_counts_signals(client, source, key, acme):
    event_mappings_update(source=source, changes=[{"event": "Login", "kind": "login"}])
    body = {"batch": [login(1), login(2), {"type": "track", "event": "Report Exported"}]}
    post(client, BATCH, body, key)
    status = selectors.source_status(source=source)
    assert (status["received"], status["unmapped_events"], status["signals"]) == (
        True, ["Report Exported"], 2,
    )  # fmt: skip


def test_using_the_key_records_when(client, source, key):
    post(client, BATCH, {"batch": []}, key)
    source.refresh_from_db()
    assert source.key_last_used_at is not None


def test_the_debugger_holds_the_last_hundred_messages_newest_first(client, source, key):
    post(client, BATCH, {"batch": [login(n) for n in range(120)]}, key)
    shown = selectors.source_debugger(source=source)
    assert len(shown) == 100 and shown[0].message_id == "m119"
