"""A signal's idempotency key is (account, external_id): books never collide, and a key reused
with different content is a named conflict that stores nothing."""

import pytest
from django.utils import timezone

from signals.models import Signal
from tests.factories import make_account

pytestmark = pytest.mark.django_db

EARLIER = (timezone.now() - timezone.timedelta(hours=3)).replace(microsecond=0)


def row(account, external_id="evt-1", **overrides):
    return {"external_id": external_id, "account": account.pk, "kind": "login",
            "occurred_at": EARLIER.isoformat(), "actor": "ana@example.com", "value": "",
            **overrides}  # fmt: skip


def post(client, rows):
    return client.post("/api/v1/signals/", rows, format="json")


def test_an_id_used_in_another_book_is_stored_in_both(as_alice, as_bob, alice, bob):
    mine, theirs = make_account(csm=alice), make_account(csm=bob)
    post(as_alice, [row(mine)])
    response = post(as_bob, [row(theirs)])
    assert (response.status_code, response.json()) == (201, {"created": 1, "duplicates": 0})
    assert Signal.objects.filter(external_id="evt-1").count() == 2


def test_the_same_signal_again_is_a_duplicate(as_alice, alice):
    account = make_account(csm=alice)
    post(as_alice, [row(account)])
    assert post(as_alice, [row(account)]).json() == {"created": 0, "duplicates": 1}


def test_the_same_moment_written_with_another_offset_is_a_duplicate(as_alice, alice):
    account = make_account(csm=alice)
    post(as_alice, [row(account)])
    shifted = EARLIER.astimezone(timezone.get_fixed_timezone(150)).isoformat()
    assert post(as_alice, [row(account, occurred_at=shifted)]).json()["duplicates"] == 1


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"kind": "export"}, "kind"),
        ({"occurred_at": (EARLIER - timezone.timedelta(days=1)).isoformat()}, "occurred_at"),
        ({"value": "42"}, "value"),
        ({"actor": "someone.else@example.com"}, "actor"),
    ],
)
def test_a_key_resent_with_other_content_is_a_409_conflict_and_stores_nothing(
    as_alice, alice, change, named
):
    account = make_account(csm=alice)
    post(as_alice, [row(account)])
    response = post(as_alice, [row(account, "evt-new"), row(account, **change)])
    assert response.status_code == 409
    [error] = response.json()["errors"]
    assert (error["index"], error["field"], error["code"]) == (1, "external_id", "conflict")
    assert named in error["message"]
    assert Signal.objects.count() == 1
    assert Signal.objects.get().kind == "login"


def test_a_key_repeated_with_other_content_in_one_batch_is_a_conflict(as_alice, alice):
    account = make_account(csm=alice)
    response = post(as_alice, [row(account), row(account, kind="export")])
    assert response.status_code == 409
    assert response.json()["errors"][0]["index"] == 1
    assert not Signal.objects.exists()


def test_an_account_of_another_book_is_answered_like_one_that_does_not_exist(as_bob, alice):
    hidden = make_account(csm=alice)
    unknown = {"external_id": "x", "account": hidden.pk + 1000, "kind": "login",
               "occurred_at": EARLIER.isoformat()}  # fmt: skip
    other_book = post(as_bob, [row(hidden)]).json()["errors"][0]
    nowhere = post(as_bob, [unknown]).json()["errors"][0]
    assert other_book == nowhere
