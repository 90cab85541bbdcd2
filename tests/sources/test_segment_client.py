"""The real `segment-analytics-python` client (and RudderStack's) against a live server."""

from datetime import UTC, datetime

import pytest

from accounts.models import Account, Stakeholder
from signals.models import Signal
from sources.models import EventMapping, Outcome, RawMessage
from sources.services import event_mappings_update, source_revoke

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("tasks_inline")]


def test_group_call_upserts_the_account_with_mapped_traits(segment, source, alice):
    source.trait_map = {"arr": "arr", "csm": "csm_email", "renewal_date": "renews_on"}
    source.save()
    alice.email = "alice@example.com"
    alice.save()
    client = segment()
    client.group("u1", "acme", {"name": "Acme", "arr": 42000, "csm_email": "alice@example.com",
                               "renews_on": "2027-03-01"})  # fmt: skip
    client.flush()
    account = Account.objects.get(external_id="acme")
    assert (account.name, account.arr, account.csm, str(account.renewal_date)) == (
        "Acme", 42000, alice, "2027-03-01",
    )  # fmt: skip


def test_group_call_without_a_csm_goes_to_the_vp_who_made_the_source(segment, source, vera):
    client = segment()
    client.group("u1", "globex", {"name": "Globex"})
    client.flush()
    assert Account.objects.get(external_id="globex").csm == vera


def test_identify_upserts_a_stakeholder_on_the_users_latest_group(segment, source, acme):
    client = segment()
    client.group("u7", "acme", {})
    client.identify("u7", {"email": "kim@acme.test", "name": "Kim", "title": "Finance lead"})
    client.flush()
    kim = Stakeholder.objects.get(external_id="u7")
    assert (kim.account, kim.name, kim.email, kim.function) == (
        acme, "Kim", "kim@acme.test", "Finance lead",
    )  # fmt: skip


def test_track_of_a_mapped_event_stores_a_signal(segment, source, acme):
    event_mappings_update(source=source, changes=[
        {"event": "Report Exported", "kind": "export", "value_property": "format"}
    ])  # fmt: skip
    client = segment()
    when = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    client.track("u1", "Report Exported", {"format": "pdf"}, context={"groupId": "acme"},
                 timestamp=when)  # fmt: skip
    client.flush()
    signal = Signal.objects.get(account=acme)
    assert (signal.kind, signal.occurred_at, signal.actor, signal.value) == (
        "export", when, "u1", "pdf",
    )  # fmt: skip


def test_a_page_call_appears_in_the_event_map_under_its_name(segment, source, acme):
    client = segment()
    client.page("u1", name="Pricing", context={"groupId": "acme"})
    client.page("u1", context={"groupId": "acme"})
    client.flush()
    counts = dict(EventMapping.objects.filter(source=source).values_list("event", "count"))
    assert counts == {"Pricing": 1, "Page Viewed": 1}


def test_a_retry_with_the_same_message_id_stores_nothing_twice(segment, source, acme):
    event_mappings_update(source=source, changes=[{"event": "Login", "kind": "login"}])
    client = segment()
    for _ in range(3):
        client.track("u1", "Login", context={"groupId": "acme"}, message_id="m-1")
        client.flush()
    assert Signal.objects.filter(account=acme).count() == 1
    assert EventMapping.objects.get(source=source, event="Login").count == 1
    outcomes = list(RawMessage.objects.filter(source=source).values_list("outcome", flat=True))
    assert sorted(outcomes) == [Outcome.DUPLICATE, Outcome.DUPLICATE, Outcome.SIGNAL]


def test_an_unmapped_event_is_kept_and_a_later_mapping_backfills_it(segment, source, acme):
    client = segment()
    client.track("u1", "Report Exported", {"rows": 12}, context={"groupId": "acme"})
    client.flush()
    assert not Signal.objects.filter(account=acme).exists()
    assert RawMessage.objects.get(source=source).outcome == Outcome.UNMAPPED
    event_mappings_update(source=source, changes=[
        {"event": "Report Exported", "kind": "roi_report_generated", "value_property": "rows"}
    ])  # fmt: skip
    signal = Signal.objects.get(account=acme)
    assert (signal.kind, signal.value) == ("roi_report_generated", "12")
    assert RawMessage.objects.get(source=source).outcome == Outcome.SIGNAL


def test_a_remapped_event_changes_the_kind_of_its_signals(segment, source, acme):
    event_mappings_update(source=source, changes=[{"event": "Exported", "kind": "export"}])
    client = segment()
    client.track("u1", "Exported", context={"groupId": "acme"})
    client.flush()
    event_mappings_update(
        source=source, changes=[{"event": "Exported", "kind": "report_generated"}]
    )
    assert list(Signal.objects.filter(account=acme).values_list("kind", flat=True)) == [
        "report_generated"
    ]


def test_track_finds_the_account_from_the_users_latest_group(segment, source, acme):
    event_mappings_update(source=source, changes=[{"event": "Login", "kind": "login"}])
    client = segment()
    client.group("u9", "acme", {})
    client.track("u9", "Login")
    client.flush()
    assert Signal.objects.get(account=acme).actor == "u9"


def test_a_wrong_key_is_refused_with_401(segment, source):
    client = segment(write_key="cds_not-a-real-key")
    client.track("u1", "Login")
    client.flush()
    assert [error.status for error in client.errors] == [401]
    assert not RawMessage.objects.exists()


def test_a_revoked_key_is_refused_with_401(segment, source):
    source_revoke(source=source)
    client = segment()
    client.track("u1", "Login")
    client.flush()
    assert [error.status for error in client.errors] == [401]


def test_a_gzipped_batch_is_accepted(segment, source, acme):
    client = segment(gzip=True)
    client.track("u1", "Login", context={"groupId": "acme"})
    client.flush()
    assert client.errors == []
    assert RawMessage.objects.get(source=source).event == "Login"


def test_the_rudderstack_library_delivers_too(live_server, key, source, acme):
    from rudderstack.analytics import Client

    errors = []
    client = Client(
        write_key=key, host=f"{live_server.url}/ingest/segment", max_retries=0,
        on_error=lambda error, batch: errors.append(error),
    )  # fmt: skip
    client.track("u1", "Login", context={"groupId": "acme"})
    client.flush()
    client.shutdown()
    assert errors == []
    assert RawMessage.objects.get(source=source).event == "Login"


def test_a_mapping_that_backfills_rescores_the_accounts_it_touched(segment, source, acme):
    from health.models import HealthScore

    client = segment()
    client.track("u1", "Report Exported", context={"groupId": "acme"})
    client.flush()
    assert not HealthScore.objects.filter(account=acme).exists()
    event_mappings_update(source=source, changes=[
        {"event": "Report Exported", "kind": "roi_report_generated"}
    ])  # fmt: skip
    assert HealthScore.objects.filter(account=acme).exists()
