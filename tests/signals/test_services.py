"""signals_store: a trusted feed's signals, idempotent per (account, external_id), also when a
batch is large enough to go in through COPY."""

from datetime import UTC, datetime, timedelta

import pytest

from signals.models import Signal
from signals.services import COPY_FROM, IngestConflict, signals_store
from tests.factories import make_account

pytestmark = pytest.mark.django_db

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def account(alice):
    return make_account(csm=alice)


def rows(account, count, first=0, kind="login"):
    return [
        {"index": n, "account_id": account.pk, "external_id": f"feed:{first + n}", "kind": kind,
         "occurred_at": START + timedelta(minutes=first + n), "actor": "ana", "value": ""}
        for n in range(count)
    ]  # fmt: skip


def test_a_copied_batch_repeating_stored_signals_stores_only_the_new_ones(account):
    assert signals_store(rows=rows(account, COPY_FROM), source="feed", rescore=False) == COPY_FROM
    again = rows(account, COPY_FROM) + rows(account, 5, first=COPY_FROM)
    assert signals_store(rows=again, source="feed", rescore=False) == 5
    assert Signal.objects.filter(account=account).count() == COPY_FROM + 5


def test_a_copied_batch_changing_a_stored_signal_is_a_conflict_and_stores_nothing(account):
    signals_store(rows=rows(account, 1), source="feed", rescore=False)
    batch = rows(account, COPY_FROM)
    batch[0]["kind"] = "export"
    with pytest.raises(IngestConflict) as raised:
        signals_store(rows=batch, source="feed", rescore=False)
    assert [e["index"] for e in raised.value.errors] == [0]
    assert Signal.objects.filter(account=account).count() == 1


def test_a_new_batch_goes_in_by_account_and_time(account, alice):
    other = make_account(csm=alice)
    batch = rows(account, COPY_FROM // 2) + rows(other, COPY_FROM // 2, first=COPY_FROM)
    for row in batch:  # ids in one order, times in another
        row["occurred_at"] = START - timedelta(minutes=int(row["external_id"][5:]))
    signals_store(rows=batch, source="feed", rescore=False, new=True)
    stored = list(Signal.objects.order_by("id").values_list("account_id", "occurred_at"))
    assert len(stored) == len(batch)
    assert stored == sorted(stored)
