"""A request keeps its batch raw as `pending` and answers at once; the drain (the `drain_sources`
process, a Celery task, or this process' drain thread without a broker) turns pending messages
into signals later."""

import io
import json
import threading
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.db import OperationalError
from django.utils import timezone

from signals.models import Signal
from sources import services
from sources.ingest import messages_ingest
from sources.management.commands import drain_sources
from sources.models import EventMapping, Outcome, RawMessage
from sources.services import event_mappings_update, raw_messages_drain, source_create
from sources.tasks import drainer, raw_drains_sweep

from .conftest import basic

BATCH = "/ingest/segment/v1/batch"


def post(client, body, key):
    return client.generic("POST", BATCH, json.dumps(body).encode(),
                          content_type="application/json", HTTP_AUTHORIZATION=basic(key))  # fmt: skip


def login(message_id="m1", group="acme"):
    return {"type": "track", "event": "Login", "userId": "u1", "messageId": message_id,
            "context": {"groupId": group}}  # fmt: skip


@pytest.fixture
def deferred(settings, tasks_inline):
    """Drains go through the Celery task, run in this process (under CI's broker no worker
    would take them here)."""
    settings.SOURCES_DRAIN = "celery"


@pytest.fixture
def login_mapped(source):
    event_mappings_update(source=source, changes=[{"event": "Login", "kind": "login"}])


@pytest.mark.django_db
def test_a_request_answers_with_its_batch_pending_and_no_signal_yet(
    client, key, source, acme, login_mapped, deferred
):
    response = post(client, {"batch": [login()]}, key)
    assert (response.status_code, response.json()) == (200, {"success": True})
    assert RawMessage.objects.get().outcome == Outcome.PENDING
    assert not Signal.objects.exists()


@pytest.mark.django_db
def test_the_drain_turns_pending_messages_into_signals(
    client, key, source, acme, login_mapped, deferred
):
    post(client, {"batch": [login("m1"), login("m2")]}, key)
    assert raw_messages_drain(source_id=source.pk) == 2
    assert set(RawMessage.objects.values_list("outcome", flat=True)) == {Outcome.SIGNAL}
    assert Signal.objects.filter(account=acme, kind="login").count() == 2


@pytest.mark.django_db
def test_a_drain_run_twice_stores_nothing_twice(client, key, source, acme, login_mapped, deferred):
    post(client, {"batch": [login()]}, key)
    raw_messages_drain(source_id=source.pk)
    assert raw_messages_drain(source_id=source.pk) == 0
    assert Signal.objects.count() == 1


@pytest.mark.django_db
def test_a_drain_bounded_by_a_receipt_time_leaves_later_messages_pending(
    client, key, source, acme, login_mapped, deferred
):
    post(client, {"batch": [login("m1")]}, key)
    bound = timezone.now()
    post(client, {"batch": [login("m2")]}, key)
    assert raw_messages_drain(source_id=source.pk, received_before=bound) == 1
    outcomes = dict(RawMessage.objects.values_list("message_id", "outcome"))
    assert outcomes == {"m1": Outcome.SIGNAL, "m2": Outcome.PENDING}


@pytest.mark.django_db
def test_a_retry_of_a_pending_message_is_a_duplicate(
    client, key, source, acme, login_mapped, deferred
):
    post(client, {"batch": [login()]}, key)
    post(client, {"batch": [login()]}, key)
    assert list(RawMessage.objects.values_list("outcome", flat=True)) == [Outcome.PENDING] * 2
    raw_messages_drain(source_id=source.pk)
    kept = RawMessage.objects.order_by("id").values_list("outcome", "body")
    assert [(outcome, body is None) for outcome, body in kept] == [
        (Outcome.SIGNAL, False), (Outcome.DUPLICATE, True)
    ]  # fmt: skip
    assert Signal.objects.count() == 1


@pytest.mark.django_db
def test_a_retry_of_a_drained_message_is_a_duplicate_at_the_next_drain(
    client, key, source, acme, login_mapped, deferred
):
    post(client, {"batch": [login()]}, key)
    raw_messages_drain(source_id=source.pk)
    post(client, {"batch": [login(), login("m2")]}, key)
    raw_messages_drain(source_id=source.pk)
    outcomes = list(RawMessage.objects.order_by("id").values_list("message_id", "outcome"))
    assert outcomes == [("m1", Outcome.SIGNAL), ("m1", Outcome.DUPLICATE), ("m2", Outcome.SIGNAL)]
    assert Signal.objects.count() == 2
    assert EventMapping.objects.get(source=source, event="Login").count == 2


@pytest.mark.django_db
def test_a_message_a_file_already_kept_is_a_duplicate_when_drained(
    client, key, source, acme, login_mapped, deferred
):
    post(client, {"batch": [login()]}, key)
    messages_ingest(source=source, items=[login()], received_at=timezone.now())
    raw_messages_drain(source_id=source.pk)
    outcomes = list(RawMessage.objects.order_by("id").values_list("outcome", flat=True))
    assert outcomes == [Outcome.SIGNAL, Outcome.DUPLICATE]


@pytest.mark.django_db
def test_a_request_is_one_statement(client, key, source, deferred, django_assert_num_queries):
    post(client, {"batch": [login("m1")]}, key)  # the source is read, the month made once
    with django_assert_num_queries(1) as captured:
        post(client, {"batch": [login("m2"), login("m3")]}, key)
    assert "INSERT INTO sources_rawmessage" in captured.captured_queries[0]["sql"]


@pytest.mark.django_db
def test_a_group_and_a_track_in_one_drain_put_the_signal_on_the_new_account(
    client, key, source, login_mapped, deferred
):
    group = {"type": "group", "userId": "u1", "groupId": "initech", "messageId": "g1",
             "traits": {"name": "Initech"}}  # fmt: skip
    post(client, {"batch": [group]}, key)
    post(client, {"batch": [login("t1", group=None) | {"context": {}}]}, key)
    raw_messages_drain(source_id=source.pk)
    assert Signal.objects.get().account.external_id == "initech"


@pytest.mark.django_db
def test_the_debugger_shows_pending_until_drained(client, vera, key, source, deferred):
    post(client, {"batch": [login()]}, key)
    client.force_login(vera)
    assert "Pending" in client.get(f"/sources/{source.pk}/debugger/").content.decode()
    raw_messages_drain(source_id=source.pk)
    html = client.get(f"/sources/{source.pk}/debugger/").content.decode()
    assert "Pending" not in html and "Skipped: unmapped" in html


@pytest.mark.django_db
def test_the_committed_batch_queues_the_drain_task(
    client, key, source, acme, login_mapped, deferred, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, {"batch": [login()]}, key)
    assert RawMessage.objects.get().outcome == Outcome.SIGNAL
    assert Signal.objects.filter(account=acme).count() == 1


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_the_process_drains_after_answering(
    client, key, source, acme, login_mapped, settings
):
    settings.SOURCES_DRAIN = "background"
    assert post(client, {"batch": [login()]}, key).json() == {"success": True}
    assert drainer.idle(timeout=30)
    assert RawMessage.objects.get().outcome == Outcome.SIGNAL
    assert Signal.objects.filter(account=acme).count() == 1


@pytest.mark.django_db
def test_the_source_is_read_once_for_requests_seconds_apart(
    client, key, source, deferred, django_assert_max_num_queries
):
    post(client, {"batch": [login("m1")]}, key)
    with django_assert_max_num_queries(8) as captured:
        post(client, {"batch": [login("m2")]}, key)
    assert not [q for q in captured.captured_queries if 'FROM "sources_source"' in q["sql"]]


@pytest.mark.django_db
def test_the_same_message_id_twice_in_one_batch_is_kept_once(
    client, key, source, acme, login_mapped, deferred
):
    post(client, {"batch": [login("m1"), login("m1")]}, key)
    outcomes = sorted(RawMessage.objects.values_list("outcome", flat=True))
    assert outcomes == [Outcome.DUPLICATE, Outcome.PENDING]


@pytest.mark.django_db
def test_the_sweep_drains_messages_whose_drain_was_lost(
    client, key, source, acme, login_mapped, deferred
):
    post(client, {"batch": [login()]}, key)  # its queued drain never ran (on_commit held)
    assert raw_drains_sweep() == [source.pk]
    assert RawMessage.objects.get().outcome == Outcome.SIGNAL


def test_the_beat_sweeps_pending_messages_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["drain-pending-source-messages"]
    assert (entry["task"], entry["schedule"]) == ("sources.tasks.raw_drains_sweep", 60.0)


@pytest.mark.django_db
def test_a_librarys_batch_is_kept_pending_with_every_body_as_sent(
    client, key, source, acme, login_mapped, deferred
):
    odd = {**login("m0"), "properties": {"note": 'a "quoted" \\ back\tslash, ünïcode ✓'}}
    batch = [odd, *(login(f"m{n}") for n in range(1, 20)), login("m3")]  # a COPY-sized batch
    post(client, {"batch": batch}, key)
    kept = RawMessage.objects.order_by("id")
    assert [m.outcome for m in kept] == [Outcome.PENDING] * 20 + [Outcome.DUPLICATE]
    assert kept.first().body == odd and kept.last().body is None
    raw_messages_drain(source_id=source.pk)
    assert Signal.objects.filter(account=acme, kind="login").count() == 20


@pytest.fixture
def drainer_process(settings):
    """The drain as production's `drainer` service runs it: `drain_sources`, a process apart."""
    settings.SOURCES_DRAIN = "drainer"


@pytest.mark.django_db
def test_with_a_drainer_process_a_request_leaves_its_batch_pending_and_queues_nothing(
    client, key, source, acme, login_mapped, drainer_process, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert post(client, {"batch": [login()]}, key).json() == {"success": True}
    assert callbacks == []
    assert RawMessage.objects.get().outcome == Outcome.PENDING


@pytest.mark.django_db
def test_one_pass_of_the_drainer_drains_every_source_with_pending_messages(
    client, key, source, acme, login_mapped, drainer_process, vera
):
    other, other_key = source_create(name="Other", created_by=vera)
    event_mappings_update(source=other, changes=[{"event": "Login", "kind": "login"}])
    post(client, {"batch": [login("m1"), login("m2")]}, key)
    post(client, {"batch": [login("m1")]}, other_key)
    out = io.StringIO()
    call_command("drain_sources", once=True, stdout=out)
    assert out.getvalue().strip() == "Drained 3 messages."
    assert set(RawMessage.objects.values_list("outcome", flat=True)) == {Outcome.SIGNAL}
    assert Signal.objects.filter(account=acme).count() == 3


@pytest.mark.django_db
def test_a_source_whose_drain_fails_stays_pending_and_the_others_are_drained(
    client, key, source, acme, login_mapped, drainer_process, vera, monkeypatch, caplog
):
    other, other_key = source_create(name="Other", created_by=vera)
    event_mappings_update(source=other, changes=[{"event": "Login", "kind": "login"}])
    post(client, {"batch": [login("m1")]}, key)
    post(client, {"batch": [login("m2")]}, other_key)
    real = services.raw_messages_drain

    def failing_for_the_first(*, source_id, **kwargs):
        if source_id == source.pk:
            raise RuntimeError("boom")
        return real(source_id=source_id, **kwargs)

    monkeypatch.setattr(services, "raw_messages_drain", failing_for_the_first)
    assert services.pending_sources_drain() == 1
    assert RawMessage.objects.get(source=source).outcome == Outcome.PENDING
    assert RawMessage.objects.get(source=other).outcome == Outcome.SIGNAL
    assert f"Drain of source {source.pk} failed" in caplog.text


@pytest.mark.django_db
def test_the_drainer_passes_until_stopped_and_touches_its_heartbeat(
    client, key, source, acme, login_mapped, drainer_process, tmp_path, monkeypatch
):
    post(client, {"batch": [login("m1")]}, key)
    stop, passes = threading.Event(), []
    real = services.pending_sources_drain

    def counted():
        passes.append(1)
        if len(passes) == 3:
            stop.set()
        return real()

    monkeypatch.setattr(drain_sources, "pending_sources_drain", counted)
    heartbeat = tmp_path / "alive"
    assert drain_sources.drain_until(stop, every=0.01, heartbeat=heartbeat) == 1
    assert len(passes) == 3 and heartbeat.exists()
    assert RawMessage.objects.get().outcome == Outcome.SIGNAL


@pytest.mark.django_db
def test_a_pass_the_database_fails_is_tried_again(monkeypatch, caplog):
    stop, passes = threading.Event(), []

    def failing_once():
        passes.append(1)
        if len(passes) == 1:
            raise OperationalError("the database went away")
        stop.set()
        return 0

    monkeypatch.setattr(drain_sources, "pending_sources_drain", failing_once)
    assert drain_sources.drain_until(stop, every=0.01) == 0
    assert len(passes) == 2 and "Drain pass failed" in caplog.text


def test_production_runs_the_drainer_beside_the_web_and_its_requests_leave_it_the_drain(settings):
    compose = yaml.safe_load((Path(settings.BASE_DIR) / "docker-compose.yml").read_text())
    drainer = compose["services"]["drainer"]
    assert drainer["command"][:3] == ["python", "manage.py", "drain_sources"]
    heartbeat = drainer["command"][drainer["command"].index("--heartbeat") + 1]
    assert heartbeat in " ".join(drainer["healthcheck"]["test"])
    for service in ("web", "drainer", "worker"):
        assert compose["services"][service]["environment"]["SOURCES_DRAIN"] == "drainer"
