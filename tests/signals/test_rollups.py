"""The rollups scoring reads are kept right by triggers, whatever writes the signals."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.models import Max

from signals.models import (
    Signal,
    SignalDay,
    SignalFirst,
    SignalKindDay,
    SignalKindDef,
    SignalLastSeen,
)
from signals.rollups import rollups_rebuild
from signals.services import signals_ingest
from tests.factories import make_account, make_signal

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def account(alice):
    return make_account(csm=alice)


def day_row(account, day):
    return SignalDay.objects.get(account=account, day=day)


def value_events(account, day, kind="roi_report_generated"):
    row = SignalKindDay.objects.filter(account=account, kind=kind, day=day).first()
    return row.events if row else 0


def rollup_contents():
    days = SignalDay.objects.order_by("account_id", "day").values_list(
        "account_id", "day", "events", "invites", "upsell_accepted",
        "upsell_declined", "last_at", "last_exec_meeting_at",
    )  # fmt: skip
    firsts = SignalFirst.objects.order_by("account_id", "kind").values_list(
        "account_id", "kind", "first_at"
    )
    last_seen = SignalLastSeen.objects.order_by("account_id", "what", "name").values_list(
        "account_id", "what", "name", "last_at"
    )
    kind_days = SignalKindDay.objects.order_by("account_id", "kind", "day").values_list(
        "account_id", "kind", "day", "events", "answers", "answer_sum"
    )
    return list(days), list(firsts), list(last_seen), list(kind_days)


def ingest(alice, account, *specs):
    rows = [
        {"external_id": external_id, "account": account.pk, "kind": kind,
         "occurred_at": at.isoformat(), "actor": "ana@example.com"}
        for external_id, kind, at in specs
    ]  # fmt: skip
    return signals_ingest(rows=rows, user=alice)


def test_ingested_signals_are_counted_per_account_and_utc_day(alice, account):
    ingest(alice, account, ("a", "login", MONDAY), ("b", "roi_report_generated", MONDAY),
           ("c", "exec_meeting", MONDAY + timedelta(hours=3)), ("d", "login", MONDAY + timedelta(days=1)))  # fmt: skip
    monday = day_row(account, MONDAY.date())
    assert (monday.events, value_events(account, MONDAY.date()), monday.invites) == (3, 1, 0)
    assert monday.last_at == monday.last_exec_meeting_at == MONDAY + timedelta(hours=3)
    assert day_row(account, MONDAY.date() + timedelta(days=1)).events == 1


def test_a_duplicate_signal_is_not_counted_twice(alice, account):
    ingest(alice, account, ("a", "login", MONDAY))
    result = ingest(alice, account, ("a", "login", MONDAY), ("b", "login", MONDAY))
    assert result.duplicates == 1
    assert day_row(account, MONDAY.date()).events == 2


def test_first_signal_of_each_kind_keeps_the_earliest_time(alice, account):
    ingest(alice, account, ("late", "roi_report_generated", MONDAY))
    ingest(alice, account, ("early", "roi_report_generated", MONDAY - timedelta(days=5)))
    ingest(alice, account, ("login", "login", MONDAY))
    first = SignalFirst.objects.get(account=account, kind="roi_report_generated")
    assert first.first_at == MONDAY - timedelta(days=5)
    assert SignalFirst.objects.get(account=account, kind="login").first_at == MONDAY


def test_only_value_kinds_are_counted_per_kind_and_day(alice, account):
    SignalKindDef.objects.create(code="invoice_paid", label="Invoice paid", category="value")
    ingest(alice, account, ("a", "invoice_paid", MONDAY), ("b", "invoice_paid", MONDAY),
           ("c", "login", MONDAY), ("d", "roi_report_generated", MONDAY))  # fmt: skip
    rows = SignalKindDay.objects.filter(account=account).values_list("kind", "events")
    assert sorted(rows) == [("invoice_paid", 2), ("roi_report_generated", 1)]


def test_survey_answers_are_counted_and_summed_per_kind_and_day(alice, account):
    rows = [
        {"external_id": f"s{n}", "account": account.pk, "kind": "confidence_survey",
         "actor": "ana", "value": value, "occurred_at": MONDAY.isoformat()}
        for n, value in enumerate(["7", "9", "not sure"])
    ]  # fmt: skip
    signals_ingest(rows=rows, user=alice)
    row = SignalKindDay.objects.get(account=account, kind="confidence_survey")
    assert (row.events, row.answers, row.answer_sum) == (3, 2, 16.0)


def test_editing_a_survey_answer_recomputes_its_sum(alice, account):
    make_signal(account=account, kind="confidence_survey", value="4", occurred_at=MONDAY)
    Signal.objects.filter(kind="confidence_survey").update(value="8")
    row = SignalKindDay.objects.get(account=account, kind="confidence_survey")
    assert (row.answers, row.answer_sum) == (1, 8.0)


def test_deleting_a_signal_recomputes_its_day_and_firsts(alice, account):
    ingest(alice, account, ("a", "login", MONDAY), ("b", "roi_report_generated", MONDAY))
    Signal.objects.filter(external_id="b").delete()
    assert value_events(account, MONDAY.date()) == 0
    assert list(SignalFirst.objects.filter(account=account).values_list("kind")) == [("login",)]
    Signal.objects.filter(external_id="a").delete()
    assert not SignalFirst.objects.filter(account=account).exists()
    assert not SignalDay.objects.filter(account=account).exists()


def test_moving_a_signal_to_another_day_moves_its_count(alice, account):
    ingest(alice, account, ("a", "login", MONDAY), ("b", "login", MONDAY))
    Signal.objects.filter(external_id="b").update(occurred_at=MONDAY + timedelta(days=2))
    assert day_row(account, MONDAY.date()).events == 1
    assert day_row(account, MONDAY.date() + timedelta(days=2)).events == 1


def test_each_person_and_feature_keeps_its_latest_use(alice, account):
    rows = [
        {"external_id": f"u{n}", "account": account.pk, "kind": kind, "actor": actor,
         "value": value, "occurred_at": (MONDAY - timedelta(days=n)).isoformat()}
        for n, (kind, actor, value) in enumerate(
            [("login", "ana", ""), ("login", "ana", ""), ("feature_used", "ben", "alerts"),
             ("support_ticket", "cy", "T-1")]
        )
    ]  # fmt: skip
    signals_ingest(rows=rows, user=alice)
    seen = dict(
        SignalLastSeen.objects.filter(account=account)
        .values_list("what", "name")
        .annotate(latest=Max("last_at"))
        .values_list("name", "latest")
    )
    assert seen == {"ana": MONDAY, "ben": MONDAY - timedelta(days=2),
                    "alerts": MONDAY - timedelta(days=2)}  # fmt: skip


def test_signals_saved_through_the_orm_are_rolled_up_too(account):
    make_signal(account=account, kind="colleague_invited", occurred_at=MONDAY)
    assert day_row(account, MONDAY.date()).invites == 1


def test_triggers_agree_with_a_full_rebuild(alice, account, bob):
    other = make_account(csm=bob)
    kinds = ["login", "roi_report_generated", "colleague_invited", "exec_meeting",
             "upsell_call_accepted", "upsell_call_declined", "feature_used",
             "confidence_survey"]  # fmt: skip
    for n in range(40):
        target = account if n % 3 else other
        make_signal(account=target, kind=kinds[n % len(kinds)], value=str(n % 11),
                    occurred_at=MONDAY - timedelta(hours=7 * n))  # fmt: skip
    Signal.objects.filter(account=other, kind="login").delete()
    kept = rollup_contents()
    rollups_rebuild()
    assert rollup_contents() == kept


def test_deleting_a_persons_latest_use_falls_back_to_their_previous_one(alice, account):
    ingest(alice, account, ("old", "login", MONDAY - timedelta(days=3)), ("new", "login", MONDAY))
    Signal.objects.filter(external_id="new").delete()
    seen = SignalLastSeen.objects.get(account=account, what="actor", name="ana@example.com")
    assert seen.last_at == MONDAY - timedelta(days=3)
    assert day_row(account, (MONDAY - timedelta(days=3)).date()).last_at == seen.last_at


def test_deleting_the_latest_of_a_day_moves_its_last_time_back(alice, account):
    ingest(alice, account, ("a", "exec_meeting", MONDAY), ("b", "exec_meeting", MONDAY + timedelta(hours=2)))  # fmt: skip
    Signal.objects.filter(external_id="b").delete()
    monday = day_row(account, MONDAY.date())
    assert (monday.events, monday.last_at, monday.last_exec_meeting_at) == (1, MONDAY, MONDAY)


def test_deleting_every_signal_empties_the_rollups(alice, account):
    ingest(alice, account, ("a", "login", MONDAY), ("b", "roi_report_generated", MONDAY),
           ("c", "feature_used", MONDAY - timedelta(days=1)))  # fmt: skip
    Signal.objects.all().delete()
    assert rollup_contents() == ([], [], [], [])


def test_updates_and_deletes_agree_with_a_full_rebuild(alice, account, bob):
    other = make_account(csm=bob)
    kinds = ["login", "roi_report_generated", "colleague_invited", "exec_meeting",
             "upsell_call_accepted", "feature_used", "report_generated",
             "confidence_survey"]  # fmt: skip
    for n in range(60):
        make_signal(account=account if n % 2 else other, kind=kinds[n % len(kinds)],
                    actor=f"user{n % 4}", value=f"feature{n % 3}",
                    occurred_at=MONDAY - timedelta(hours=5 * n))  # fmt: skip
    newest_first = Signal.objects.order_by("-occurred_at")
    Signal.objects.filter(pk__in=list(newest_first.values_list("pk", flat=True)[:15])).delete()
    Signal.objects.filter(kind="login").update(occurred_at=MONDAY - timedelta(days=30))
    Signal.objects.filter(kind="report_generated").update(kind="roi_report_generated")
    Signal.objects.filter(kind="confidence_survey").update(value="6")
    kept = rollup_contents()
    rollups_rebuild()
    assert rollup_contents() == kept


def _version(model, **key):
    """Where the row's current version lies: an UPDATE, even to the same value, moves it."""
    table = model._meta.db_table
    where = " AND ".join(f"{name} = %s" for name in key)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT ctid::text FROM {table} WHERE {where}", list(key.values()))
        return cursor.fetchone()[0]


def test_a_later_signal_leaves_its_kinds_first_time_unwritten(alice, account):
    ingest(alice, account, ("first", "login", MONDAY))
    before = _version(SignalFirst, account_id=account.pk, kind="login")
    ingest(alice, account, ("later", "login", MONDAY + timedelta(days=1)))
    assert _version(SignalFirst, account_id=account.pk, kind="login") == before
    ingest(alice, account, ("earlier", "login", MONDAY - timedelta(days=1)))
    assert _version(SignalFirst, account_id=account.pk, kind="login") != before
    assert SignalFirst.objects.get(account=account, kind="login").first_at == MONDAY - timedelta(
        days=1
    )


def test_an_older_use_leaves_a_persons_last_seen_time_unwritten(alice, account):
    ingest(alice, account, ("new", "login", MONDAY))
    key = {"account_id": account.pk, "what": "actor", "name": "ana@example.com"}
    before = _version(SignalLastSeen, **key)
    ingest(alice, account, ("old", "login", MONDAY - timedelta(days=3)))
    assert _version(SignalLastSeen, **key) == before
    ingest(alice, account, ("newer", "login", MONDAY + timedelta(days=1)))
    assert _version(SignalLastSeen, **key) != before
    assert SignalLastSeen.objects.get(**key).last_at == MONDAY + timedelta(days=1)
