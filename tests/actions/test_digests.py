"""The morning digest: each CSM's new actions and biggest drops ranked by ARR x drop; each VP's
portfolio changes; --dry-run prints instead of sending."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command

from actions.digests import digests_build
from actions.models import Action
from tests.factories import days_ago, give_health, make_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(alice, bob, vera):
    for user in (alice, bob, vera):
        user.email = f"{user.username}@example.com"
        user.save()
    return alice, bob, vera


def dropped(csm, name, arr, before, now, rag="amber"):
    account = make_account(csm=csm, name=name, arr=Decimal(arr))
    give_health(account, overall=before, rag="green", as_of=days_ago(1))
    give_health(account, overall=now, rag=rag)
    return account


def digest_for(username, digests):
    return next(d for d in digests if d.username == username)


def test_a_csms_drops_are_ranked_by_arr_times_drop(people):
    alice = people[0]
    dropped(alice, "Small Big Drop", 10_000, 80, 50)  # 300k
    dropped(alice, "Big Small Drop", 200_000, 75, 70)  # 1,000k
    dropped(alice, "Mid", 50_000, 80, 70)  # 500k
    digests, _ = digests_build()
    body = digest_for("alice", digests).body
    order = [body.index(name) for name in ("Big Small Drop", "Mid", "Small Big Drop")]
    assert order == sorted(order)


def test_a_csms_digest_lists_new_actions_in_their_book_only(people):
    alice, bob, _ = people
    mine = make_account(csm=alice, name="Harbor Foods")
    theirs = make_account(csm=bob, name="Quay Metals")
    Action.objects.create(account=mine, title="Run the alignment workshop", owner=alice)
    Action.objects.create(account=theirs, title="Replace the champion", owner=bob)
    digests, _ = digests_build()
    body = digest_for("alice", digests).body
    assert "Run the alignment workshop" in body
    assert "Replace the champion" not in body


def test_a_vp_digest_has_the_portfolios_changes(people):
    alice, bob, _ = people
    dropped(alice, "Harbor Foods", 100_000, 80, 30, rag="red")
    dropped(bob, "Quay Metals", 50_000, 80, 60)
    digests, _ = digests_build()
    body = digest_for("vera", digests).body
    assert "1 account went green → red ($100k ARR)" in body
    assert "1 account went green → amber ($50k ARR)" in body
    assert body.index("Harbor Foods") < body.index("Quay Metals")


def test_nobody_gets_an_empty_digest(people):
    digests, _ = digests_build()
    assert digests == []


def test_send_digests_emails_everyone_with_news(people):
    dropped(people[0], "Harbor Foods", 100_000, 80, 30, rag="red")
    call_command("send_digests", stdout=StringIO())
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.com", "vera@example.com"]


def test_dry_run_prints_and_sends_nothing(people):
    dropped(people[0], "Harbor Foods", 100_000, 80, 30, rag="red")
    out = StringIO()
    call_command("send_digests", "--dry-run", stdout=out)
    assert mail.outbox == []
    assert "To: alice@example.com" in out.getvalue() and "Harbor Foods" in out.getvalue()


def test_people_without_an_email_address_are_reported(alice, vera):
    dropped(alice, "Harbor Foods", 100_000, 80, 30, rag="red")
    out = StringIO()
    call_command("send_digests", stdout=out)
    assert "Skipped alice: no email address." in out.getvalue()


def test_a_long_list_of_new_actions_is_cut_short(people):
    from actions.digests import TOP_ACTIONS

    alice = people[0]
    account = make_account(csm=alice, name="Harbor Foods")
    Action.objects.bulk_create(
        Action(account=account, title=f"Step {n}", owner=alice) for n in range(TOP_ACTIONS + 3)
    )
    body = digest_for("alice", digests_build()[0]).body
    assert f"New actions in your book ({TOP_ACTIONS + 3})" in body
    assert "… and 3 more" in body


def test_a_dry_run_shows_the_digest_of_someone_without_an_email_address(alice, vera):
    dropped(alice, "Harbor Foods", 100_000, 80, 30, rag="red")
    out = StringIO()
    call_command("send_digests", "--dry-run", stdout=out)
    printed = out.getvalue()
    assert "To: (no email address: alice, would be skipped)" in printed
    assert printed.count("Harbor Foods") == 2  # alice's digest and vera's


def test_a_vp_digest_counts_unknown_apart_and_never_as_a_drop(people):
    alice = people[0]
    dropped(alice, "Harbor Foods", 100_000, 80, 30, rag="red")
    new = make_account(csm=alice, name="Newt Labs", arr=Decimal(70_000))
    give_health(new, overall=None, rag="unknown", has_any_signal=0)
    digests, _ = digests_build()
    body = digest_for("vera", digests).body
    assert "1 account unknown: no data received yet ($70k ARR, not counted at risk)" in body
    assert "Newt Labs" not in body
