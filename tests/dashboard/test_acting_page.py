"""Acting on an account from its page: steps, closing, snoozing, sentiment, the timeline, and
the book saying when the CSM and the data disagree."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import OnboardingMilestone
from actions.models import Action, FlagSnooze, Sentiment
from actions.services import actions_raise
from health.models import HealthScore
from health.services import score_accounts
from tests.factories import days_ago, give_health, make_account, make_signal

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(alice):
    return make_account(csm=alice, name="Harbor Foods")


@pytest.fixture
def action(account):
    return Action.objects.create(
        account=account, title="Prove capability", owner=account.csm, rule="flag_raised",
        flag="checklist_illusion",
        steps=[{"text": "Screen-share the report", "done": False},
               {"text": "User explains it back", "done": False}],
    )  # fmt: skip


def page(client, account, query=""):
    return client.get(reverse("account_detail", args=[account.pk]) + query).content.decode()


def test_open_actions_sit_at_the_top_with_their_steps(client, alice, account, action):
    give_health(account, overall=60, rag="amber")
    client.force_login(alice)
    content = page(client, account)
    assert content.index("Open actions") < content.index("Components")
    assert "Screen-share the report" in content
    assert "it never moves the score" in content


def test_ticking_a_step_records_it(client, alice, account, action):
    client.force_login(alice)
    step_url = reverse("action_step", args=[account.pk, action.pk, 1])
    response = client.post(step_url, {"done": "1"})
    assert response.status_code == 302
    action.refresh_from_db()
    assert [step["done"] for step in action.steps] == [False, True]


def test_ticking_every_step_does_not_move_the_score(
    client, alice, account, action, django_capture_on_commit_callbacks
):
    make_signal(account=account, kind="login", occurred_at=timezone.now())
    score_accounts()
    before = HealthScore.objects.filter(account=account).get()
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        for index in range(len(action.steps)):
            client.post(reverse("action_step", args=[account.pk, action.pk, index]), {"done": "1"})
    assert callbacks == []  # no rescore was asked for
    score_accounts()
    after = HealthScore.objects.filter(account=account).latest()
    assert (after.overall, after.rag, after.flag_codes) == (
        before.overall, before.rag, before.flag_codes)  # fmt: skip


def test_dismissing_with_a_note_closes_the_action(client, alice, account, action):
    client.force_login(alice)
    url = reverse("action_close", args=[account.pk, action.pk])
    client.post(url, {"status": "dismissed", "outcome_note": "They moved to monthly reporting"})
    action.refresh_from_db()
    assert (action.status, action.outcome_note, action.closed_by) == (
        "dismissed", "They moved to monthly reporting", alice)  # fmt: skip


def test_dismissing_without_a_note_is_refused(client, alice, account, action):
    client.force_login(alice)
    response = client.post(reverse("action_close", args=[account.pk, action.pk]),
                           {"status": "dismissed"})  # fmt: skip
    assert response.status_code == 400
    action.refresh_from_db()
    assert action.status == "open"


def test_another_csm_cannot_act_on_the_account(client, bob, account, action):
    client.force_login(bob)
    assert client.post(reverse("action_step", args=[account.pk, action.pk, 0]),
                       {"done": "1"}).status_code == 404  # fmt: skip
    assert client.post(reverse("action_close", args=[account.pk, action.pk]),
                       {"status": "done"}).status_code == 404  # fmt: skip
    data = {"flag": "champion_left", "reason": "x", "days": 30}
    assert client.post(reverse("flag_snooze", args=[account.pk]), data).status_code == 404
    data = {"rating": "green", "reason": "x", "valid_days": 30}
    assert client.post(reverse("sentiment_set", args=[account.pk]), data).status_code == 404
    action.refresh_from_db()
    assert action.status == "open" and not action.steps[0]["done"]
    assert not FlagSnooze.objects.exists() and not Sentiment.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in(client, account, action):
    response = client.post(reverse("action_close", args=[account.pk, action.pk]),
                           {"status": "done"})  # fmt: skip
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_snoozed_flag_still_caps_the_colour_and_says_why(
    client, alice, account, django_capture_on_commit_callbacks
):
    def score_with_illusion():
        give_health(account, overall=85, rag="amber", flags=["checklist_illusion"],
                    tasks_done=10, tasks_total=10)  # fmt: skip

    score_with_illusion()
    client.force_login(alice)
    data = {"flag": "checklist_illusion", "reason": "Training booked for Monday", "days": 30}
    client.post(reverse("flag_snooze", args=[account.pk]), data)
    actions_raise(account_ids=[account.pk], as_of=timezone.now().date())
    content = page(client, account)
    assert "badge big amber" in content  # 85 would be green: the flag still caps it
    assert "Alerts snoozed until" in content and "by alice" in content
    assert "because “Training booked for Monday”" in content
    assert 'id="flag-checklist_illusion"' in content
    assert not Action.objects.filter(flag="checklist_illusion").exists()


def test_snoozing_a_flag_not_on_the_account_is_refused(client, alice, account):
    give_health(account, overall=60, rag="amber", flags=["custom_terms"])
    client.force_login(alice)
    data = {"flag": "champion_left", "reason": "Not yet", "days": 30}
    response = client.post(reverse("flag_snooze", args=[account.pk]), data)
    assert response.status_code == 400
    assert "not a flag on this account" in response.content.decode()
    assert not FlagSnooze.objects.exists()


def test_the_scorer_still_caps_a_snoozed_flag(alice, account):
    """Snoozing is an alert setting: the scorer never reads it."""
    make_signal(account=account, kind="login", occurred_at=timezone.now())
    OnboardingMilestone.objects.create(account=account, name="First ROI report", kind="outcome",
                                       target_on=days_ago(30))  # fmt: skip
    FlagSnooze.objects.create(account=account, flag="checklist_illusion", reason="x",
                              snoozed_by=alice, until=days_ago(-30))  # fmt: skip
    score_accounts()
    snoozed = HealthScore.objects.get(account=account)
    FlagSnooze.objects.all().delete()
    score_accounts()
    unsnoozed = HealthScore.objects.filter(account=account).latest()
    assert ",checklist_illusion," in snoozed.flag_codes
    assert (snoozed.rag, snoozed.flag_codes) == (unsnoozed.rag, unsnoozed.flag_codes)


def test_setting_sentiment_on_the_page_shows_it_beside_the_score(client, alice, account):
    give_health(account, overall=30, rag="red")
    client.force_login(alice)
    data = {"rating": "green", "reason": "Sponsor loves us", "valid_days": 30}
    assert client.post(reverse("sentiment_set", args=[account.pk]), data).status_code == 302
    content = page(client, account)
    assert "CSM says" in content and "Sponsor loves us" in content
    assert "The CSM says green; the data says red." in content
    assert HealthScore.objects.get(account=account).overall == 30


def test_the_page_says_when_the_csm_says_red_and_the_data_says_green(client, alice, account):
    give_health(account, overall=88, rag="green")
    Sentiment.objects.create(account=account, rating="red", reason="Sponsor is shopping around",
                             created_by=alice)  # fmt: skip
    client.force_login(alice)
    content = page(client, account)
    assert "The CSM says red; the data says green." in content
    assert "One of them is wrong: find out which." in content


def test_the_page_raises_no_disagreement_when_they_differ_by_one_colour(client, alice, account):
    give_health(account, overall=30, rag="red")
    Sentiment.objects.create(account=account, rating="amber", reason="Could go either way",
                             created_by=alice)  # fmt: skip
    client.force_login(alice)
    content = page(client, account)
    assert "Could go either way" in content
    assert "One of them is wrong" not in content


def test_bad_sentiment_on_the_page_is_refused(client, alice, account):
    client.force_login(alice)
    data = {"rating": "green", "reason": "", "valid_days": 300}
    assert client.post(reverse("sentiment_set", args=[account.pk]), data).status_code == 400
    assert not Sentiment.objects.exists()


def test_expired_sentiment_is_marked_as_expired(client, alice, account):
    give_health(account, overall=30, rag="red")
    Sentiment.objects.create(account=account, rating="green", reason="Old", valid_days=7,
                             created_by=alice, created_at=timezone.now() - timedelta(days=9))  # fmt: skip
    client.force_login(alice)
    content = page(client, account)
    assert "expired" in content
    assert "the data says red" not in content


def test_the_timeline_shows_events_newest_first_and_filters(client, alice, account, action):
    give_health(account, overall=60, rag="amber", as_of=days_ago(5))
    give_health(account, overall=40, rag="red", as_of=days_ago(2), flags=["champion_left"])
    account.notes.create(author=alice, body="Spoke to the sponsor")
    client.force_login(alice)
    content = page(client, account)
    assert "Score 60 → 40 (amber → red)" in content
    assert content.index("Spoke to the sponsor", content.index('id="timeline"')) < content.index(
        "Flag raised: Champion left"
    )
    only_flags = page(client, account, "?type=flag")
    timeline = only_flags[only_flags.index('id="timeline"') :]
    assert 'data-type="flag"' in timeline and 'data-type="note"' not in timeline


def test_the_book_marks_where_the_csm_and_the_data_disagree(client, alice):
    red = make_account(csm=alice, name="Red But Loved")
    give_health(red, overall=30, rag="red")
    Sentiment.objects.create(account=red, rating="green", reason="Fine", created_by=alice)
    agreed = make_account(csm=alice, name="Red And Known")
    give_health(agreed, overall=30, rag="red")
    Sentiment.objects.create(account=agreed, rating="red", reason="Yes", created_by=alice)
    client.force_login(alice)
    content = client.get(reverse("home")).content.decode()
    assert "1 account on this page where the CSM" in content
    assert content.count(">CSM says green<") == 1


def test_the_book_marks_a_csm_saying_red_where_the_data_says_green(client, alice):
    green = make_account(csm=alice, name="Green But Doubted")
    give_health(green, overall=88, rag="green")
    Sentiment.objects.create(account=green, rating="red", reason="Shopping around",
                             created_by=alice)  # fmt: skip
    client.force_login(alice)
    content = client.get(reverse("home")).content.decode()
    assert "1 account on this page where the CSM" in content
    assert content.count(">CSM says red<") == 1
    assert 'title="The CSM says red; the data says green."' in content


def test_the_book_ignores_an_expired_sentiment_that_disagrees(client, alice):
    green = make_account(csm=alice, name="Green Once Doubted")
    give_health(green, overall=88, rag="green")
    Sentiment.objects.create(account=green, rating="red", reason="Old worry", valid_days=7,
                             created_by=alice, created_at=timezone.now() - timedelta(days=9))  # fmt: skip
    client.force_login(alice)
    content = client.get(reverse("home")).content.decode()
    assert "where the CSM" not in content and ">CSM says red<" not in content
