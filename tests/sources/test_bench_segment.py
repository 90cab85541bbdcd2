"""`bench_segment`: its single-message posts are ordinary HTTP/1.1 posts of the source's key, and
its users each act in one account, as Segment's do."""

import io

import pytest

from health.models import CurrentHealth
from signals.management.commands.bench_api import _bench_accounts, _bench_token
from signals.models import Signal
from sources.management.commands.bench_segment import (
    _bench_source,
    bench_group,
    bench_user,
    source_history_ensure,
    webhook_request,
)
from sources.models import RawMessage


def test_a_webhook_post_on_the_wire_is_a_bearer_authenticated_json_post_of_its_body():
    head, _, body = webhook_request("key-1", 8000, b'{"type": "track"}').partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    assert lines[0] == "POST /ingest/segment/v1/webhook HTTP/1.1"
    assert {"Host: 127.0.0.1:8000", "Authorization: Bearer key-1", "Content-Length: 17",
            "Content-Type: application/json"} <= set(lines)  # fmt: skip
    assert body == b'{"type": "track"}'


def test_each_bench_user_acts_in_one_account_only():
    groups = {}
    for i in range(5000):
        groups.setdefault(bench_user(i), set()).add(bench_group(i, 300))
    assert {len(accounts) for accounts in groups.values()} == {1}


def test_no_webhook_posts_asked_reports_none_sent():
    """`--webhooks 0` times the Segment client alone; it used to divide by zero."""
    from sources.management.commands.bench_segment import Command

    report = Command()._webhook_run({"webhooks": 0}, None, "key", 0, [])
    assert report["posts"] == 0 and report["posts_per_s"] == 0


@pytest.mark.django_db
def test_the_source_history_is_imported_once_and_the_book_scored_before_anything_is_timed():
    user = _bench_token().user
    account_ids = _bench_accounts(3, user)
    source, _ = _bench_source(user)
    out = io.StringIO()
    source_history_ensure(out, source, len(account_ids), days=2, per_day=5)
    history = RawMessage.objects.filter(source=source, message_id__startswith="history-")
    assert history.count() == 10
    assert Signal.objects.filter(account_id__in=account_ids).count() == 10
    assert set(CurrentHealth.objects.values_list("account_id", flat=True)) >= set(account_ids)
    assert "10 events over 2 days" in out.getvalue()
    source_history_ensure(io.StringIO(), source, len(account_ids), days=2, per_day=5)
    assert history.count() == 10  # found, not written again


@pytest.mark.django_db
def test_no_history_days_leaves_a_new_database_as_it_is():
    user = _bench_token().user
    source, _ = _bench_source(user)
    source_history_ensure(io.StringIO(), source, 3, days=0, per_day=5)
    assert not RawMessage.objects.filter(source=source).exists()
