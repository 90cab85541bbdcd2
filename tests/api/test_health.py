import pytest
from django.core.management import call_command
from django.utils import timezone

from health.models import HealthScore
from health.services import score_accounts
from tests.factories import days_ago, give_health, make_account, make_signal

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(alice):
    account = make_account(csm=alice)
    make_signal(account=account, kind="login", occurred_at=timezone.now())
    score_accounts()
    return account


def test_account_health_explains_itself(as_alice, account):
    body = as_alice.get(f"/api/v1/accounts/{account.pk}/health/").json()
    assert set(body["components"]) == {
        "outcomes",
        "adoption",
        "engagement",
        "alignment",
        "commitments",
        "confidence",
        "sentiment",
        "support",
        "commercial",
    }
    for component in body["components"].values():
        assert set(component) >= {"score", "weight", "reasons"}
    assert body["components"]["commitments"]["score"] is None
    assert body["rag"] in ("red", "amber", "green")
    assert {"code", "reasons"} <= set(body["flags"][0])
    for key in (
        "score",
        "checklist_completion",
        "outcome_attainment",
        "computed_at",
        "as_of",
        "scorecard_version",
    ):
        assert key in body


@pytest.fixture
def scored_over_a_month(alice):
    account = make_account(csm=alice)
    give_health(account, overall=50, rag="amber", as_of=days_ago(30))
    give_health(account, overall=60, rag="amber", as_of=days_ago(7), flags=["custom_terms"])
    give_health(account, overall=75, rag="green", flags=["champion_left"])
    return account


def test_account_health_says_how_it_moved_over_7_and_30_days(as_alice, scored_over_a_month):
    body = as_alice.get(f"/api/v1/accounts/{scored_over_a_month.pk}/health/").json()
    assert (body["change_7d"], body["change_30d"]) == (15.0, 25.0)
    assert body["compared_with"] == {"as_of": days_ago(7).isoformat(), "score": 60.0}


def test_account_health_says_what_changed_since_the_week_before(as_alice, scored_over_a_month):
    body = as_alice.get(f"/api/v1/accounts/{scored_over_a_month.pk}/health/").json()
    flags = next(change for change in body["what_changed"] if change["component"] == "flags")
    assert (flags["flags_raised"], flags["flags_cleared"]) == (["champion_left"], ["custom_terms"])


def test_account_health_compares_with_the_score_as_of_since(as_alice, scored_over_a_month):
    since = days_ago(20).isoformat()
    body = as_alice.get(f"/api/v1/accounts/{scored_over_a_month.pk}/health/?since={since}").json()
    assert body["compared_with"] == {"as_of": days_ago(30).isoformat(), "score": 50.0}
    flags = next(change for change in body["what_changed"] if change["component"] == "flags")
    assert flags["flags_raised"] == ["champion_left"]


@pytest.mark.parametrize("since", ["last-week", "2026-02-30", "2999-01-01"])
def test_account_health_refuses_a_since_that_is_not_an_earlier_date(
    as_alice, scored_over_a_month, since
):
    response = as_alice.get(f"/api/v1/accounts/{scored_over_a_month.pk}/health/?since={since}")
    assert response.status_code == 400
    assert "since" in str(response.json())


def test_a_first_score_has_no_trend(as_alice, account):
    body = as_alice.get(f"/api/v1/accounts/{account.pk}/health/").json()
    assert (body["change_7d"], body["change_30d"], body["compared_with"]) == (None, None, None)
    assert body["what_changed"] == []


def test_unscored_account_health_is_404(as_alice, alice):
    assert as_alice.get(f"/api/v1/accounts/{make_account(csm=alice).pk}/health/").status_code == 404


def test_another_csms_health_is_404(as_bob, account):
    assert as_bob.get(f"/api/v1/accounts/{account.pk}/health/").status_code == 404


def test_health_history_is_newest_first(as_alice, account):
    score_accounts(as_of=timezone.now().date() - timezone.timedelta(days=7))
    rows = as_alice.get(f"/api/v1/accounts/{account.pk}/health/history/").json()["results"]
    assert len(rows) == 2
    assert rows[0]["as_of"] > rows[1]["as_of"]


def test_health_across_accounts_filters_by_rag_and_flag(as_vera, alice, bob):
    red = make_account(csm=alice)
    give_health(red, overall=20, rag="red", flags=["renewal_without_engagement"])
    give_health(make_account(csm=bob), overall=80, rag="green")
    rows = as_vera.get("/api/v1/health/?rag=red&flag=renewal_without_engagement").json()["results"]
    assert [row["account"] for row in rows] == [red.pk]
    assert as_vera.get("/api/v1/health/").json()["count"] == 2


def test_health_list_shows_each_accounts_current_score_not_its_history(as_vera, alice):
    account = make_account(csm=alice)
    give_health(account, overall=30, rag="red", as_of=days_ago(7))
    current = give_health(account, overall=75, rag="green")
    rows = as_vera.get("/api/v1/health/").json()["results"]
    assert [(row["account"], row["score"]) for row in rows] == [(account.pk, current.overall)]


def test_health_list_is_ordered_by_score_with_ties_by_account(as_vera, alice):
    accounts = [make_account(csm=alice) for _ in range(3)]
    for account, overall in zip(accounts, [50, 20, 50], strict=True):
        give_health(account, overall=overall, rag="amber")
    rows = as_vera.get("/api/v1/health/").json()["results"]
    assert [row["account"] for row in rows] == [accounts[1].pk, accounts[0].pk, accounts[2].pk]
    rows = as_vera.get("/api/v1/health/?ordering=-overall").json()["results"]
    assert [row["account"] for row in rows] == [accounts[0].pk, accounts[2].pk, accounts[1].pk]


def test_health_list_pages_cost_the_same_queries_however_many_accounts(
    as_vera, alice, django_assert_max_num_queries
):
    for overall in range(120):
        give_health(make_account(csm=alice), overall=overall % 100, rag="amber")
    with django_assert_max_num_queries(8):
        body = as_vera.get("/api/v1/health/?page=2").json()
    assert (body["count"], len(body["results"])) == (120, 20)


def test_health_list_refuses_an_unknown_rag(as_vera):
    response = as_vera.get("/api/v1/health/?rag=purple")
    assert response.status_code == 400
    assert "rag" in str(response.json())


def test_health_list_is_scoped_to_the_book(as_bob, account):
    assert as_bob.get("/api/v1/health/").json()["count"] == 0


def test_recompute_returns_a_task_that_finished_in_eager_mode(as_alice, account, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    before = HealthScore.objects.count()
    response = as_alice.post("/api/v1/health/recompute/", {"accounts": [account.pk]}, format="json")
    assert response.status_code == 202
    task = as_alice.get(f"/api/v1/tasks/{response.json()['task_id']}/").json()
    assert task["state"] == "SUCCESS"
    assert HealthScore.objects.count() == before + 1


def test_recompute_as_of_a_past_date(as_alice, account, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    day = (timezone.now() - timezone.timedelta(days=14)).date().isoformat()
    as_alice.post("/api/v1/health/recompute/", {"as_of": day}, format="json")
    assert HealthScore.objects.filter(account=account, as_of=day).exists()


def test_recompute_refuses_accounts_outside_the_book(as_bob, account):
    response = as_bob.post("/api/v1/health/recompute/", {"accounts": [account.pk]}, format="json")
    assert response.status_code == 404


def test_recompute_validates_its_body(as_alice):
    assert (
        as_alice.post("/api/v1/health/recompute/", {"as_of": "soon"}, format="json").status_code
        == 400
    )


def test_portfolio_is_for_vps(as_alice, as_vera, account):
    assert as_alice.get("/api/v1/portfolio/").status_code == 403
    body = as_vera.get("/api/v1/portfolio/").json()
    assert {"arr_at_risk", "by_rag", "by_flag", "by_csm", "grr", "nrr"} <= set(body)
    assert body["by_csm"]["alice"]["accounts"] == 1


def test_issue_token_prints_the_key_last(capsys, db):
    call_command("issue_token", "zoe", "--role", "vp", "--create")
    key = capsys.readouterr().out.strip().splitlines()[-1]
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/portfolio/").status_code == 200


def test_issue_token_for_an_unknown_user_fails(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("issue_token", "ghost")


@pytest.mark.parametrize("day", ["2559-07-06", "1900-01-01"])
def test_recompute_refuses_dates_out_of_range(as_alice, day):
    assert (
        as_alice.post("/api/v1/health/recompute/", {"as_of": day}, format="json").status_code == 400
    )
