"""The rules run after every scoring run, in the same task, and never wait for a receiver."""

import threading
from concurrent.futures import wait

import pytest
from django.utils import timezone

from actions import webhooks
from actions.models import Action, Webhook
from health.models import HealthScore
from health.services import score_accounts
from tests.factories import make_account, make_signal


def test_scoring_raises_the_actions_its_flags_call_for(
    db, alice, django_capture_on_commit_callbacks
):
    account = make_account(csm=alice, crm_status="Onboarded")
    make_signal(account=account, kind="login", occurred_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        score_accounts()
    flags = HealthScore.objects.get(account=account).flag_codes
    raised = set(Action.objects.filter(rule="flag_raised").values_list("flag", flat=True))
    assert raised and raised == {code for code in flags.split(",") if code}


def test_scoring_a_past_day_raises_no_action(db, alice, django_capture_on_commit_callbacks):
    account = make_account(csm=alice, crm_status="Onboarded")
    make_signal(account=account, kind="login", occurred_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        score_accounts(as_of=timezone.now().date() - timezone.timedelta(days=3))
    assert not Action.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_slow_receiver_does_not_hold_up_scoring(alice, receiver, inline_deliveries):
    Webhook.objects.create(url=receiver.url, secret="x" * 20, events=["action.created"])
    account = make_account(csm=alice, crm_status="Onboarded")
    make_signal(account=account, kind="login", occurred_at=timezone.now())
    receiver.hold = threading.Event()
    score_accounts()
    assert Action.objects.filter(account=account).exists()
    assert receiver.answered == 0  # scoring returned while the receiver still held its reply
    receiver.hold.set()
    wait(webhooks.inline_futures)
    assert receiver.answered == Action.objects.filter(account=account).count()
