"""A signal's account is checked per statement (signals migration 0017), as a foreign key would."""

import threading
import time
from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, connection, transaction

from accounts.models import Account
from signals.models import Signal
from signals.services import signals_store
from tests.factories import make_account, make_signal

MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _row(account_id, external_id="e1"):
    return {
        "index": 0, "account_id": account_id, "external_id": external_id, "kind": "login",
        "occurred_at": MONDAY, "actor": "ann", "value": "",
    }  # fmt: skip


@pytest.mark.django_db
def test_a_signal_of_no_account_is_refused_with_the_foreign_key_error(alice):
    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        Signal.objects.create(account_id=987654321, external_id="x", kind="login",
                              occurred_at=MONDAY)  # fmt: skip
    assert refused.value.__cause__.sqlstate == "23503"
    assert not Signal.objects.exists()


@pytest.mark.django_db
def test_a_batch_naming_one_missing_account_stores_none_of_its_rows(alice):
    account = make_account(csm=alice)
    rows = [_row(account.pk, f"e{n}") for n in range(20)] + [_row(987654321, "lost")]
    for n, row in enumerate(rows):
        row["index"] = n
    with pytest.raises(IntegrityError):
        signals_store(rows=rows, source="test", rescore=False, new=True)
    assert not Signal.objects.exists()


@pytest.mark.django_db
def test_moving_a_signal_to_no_account_is_refused(alice):
    signal = make_signal(account=make_account(csm=alice))
    with pytest.raises(IntegrityError), transaction.atomic():
        Signal.objects.filter(pk=signal.pk).update(account_id=987654321)
    assert Signal.objects.get().account_id == signal.account_id


class Rollback(Exception):
    pass


@pytest.mark.django_db
def test_deleting_an_account_in_sql_deletes_its_signals(alice):
    kept, gone = make_account(csm=alice), make_account(csm=alice)
    make_signal(account=kept), make_signal(account=gone)
    # Rolled back after the look: the account's other rows (deferred keys) would refuse it.
    with pytest.raises(Rollback), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM accounts_account WHERE id = %s", [gone.pk])
        left = list(Signal.objects.values_list("account_id", flat=True))
        raise Rollback
    assert left == [kept.pk]


@pytest.mark.django_db(transaction=True)
def test_a_signal_committed_while_its_account_is_deleted_does_not_outlive_it(alice):
    """The insert holds its account's key lock until it commits; the delete (its signals first,
    as Django's cascade does, then the account) waits on it, then deletes what the insert
    committed meanwhile (no orphan, as with a foreign key)."""
    account = make_account(csm=alice)
    inserted, deleting = threading.Event(), threading.Event()

    def delete():  # a thread of its own: its own connection
        try:
            inserted.wait(10)
            deleting.set()
            Account.objects.filter(pk=account.pk).delete()
        finally:
            connection.close()

    deleter = threading.Thread(target=delete)
    deleter.start()
    with transaction.atomic():
        make_signal(account=account)
        inserted.set()
        deleting.wait(10)
        time.sleep(0.3)  # the delete is waiting on the account's lock meanwhile
    deleter.join(10)
    assert not Account.objects.filter(pk=account.pk).exists()
    assert not Signal.objects.exists()
