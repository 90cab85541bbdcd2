"""seed_demo builds every story deterministically, bent only where its story says."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count, Max, Min

from accounts import rules
from accounts.models import STANDARD_DEAL_TERMS, Account, RoadmapItem, Team
from accounts.selectors import user_is_vp
from dashboard.selectors import handoff_missing
from demo.lenses import PEOPLE
from demo.portfolio import CHURN_STORIES, STORIES, anniversary
from demo.seed import ADMIN, CSMS, VPS
from health.portfolio import score_validity
from health.services import score_accounts
from signals.models import Signal
from tests.accounts.conftest import fast_hashing

TODAY = date(2026, 6, 1)
ACCOUNTS = 44


def seed(**options) -> str:
    out = StringIO()
    options = {"accounts": ACCOUNTS, "seed": 7, "signals_per_account": 25, "today": TODAY} | options
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def portfolio_fingerprint() -> list[tuple]:
    return list(
        Account.objects.order_by("external_id").values_list(
            "external_id", "name", "arr", "seats", "contract_start", "csm__username"
        )
    )


def story_accounts(story: str):
    return Account.objects.filter(external_id__startswith=f"demo-{story}-")


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """One portfolio shared by this module's read-only tests, removed afterwards."""
    with django_db_blocker.unblock(), fast_hashing():
        seed()
    yield
    with django_db_blocker.unblock():
        Account.objects.all().delete()
        Team.objects.all().delete()
        RoadmapItem.objects.all().delete()
        get_user_model().objects.filter(username__in=[*CSMS, *VPS, *PEOPLE, ADMIN]).delete()


@pytest.fixture
def seeded_db(seeded, db):
    return None


def test_seed_creates_every_story_with_story_external_ids(seeded_db):
    stories = {external_id.rsplit("-", 1)[0][5:] for external_id in _external_ids()}
    assert stories == set(STORIES)
    assert Account.objects.count() == ACCOUNTS
    assert all(len(external_id.rsplit("-", 1)[1]) == 5 for external_id in _external_ids())


def _external_ids():
    return Account.objects.values_list("external_id", flat=True)


def test_seed_creates_demo_csms_and_vps_who_can_log_in(seeded_db):
    users = get_user_model().objects.filter(username__in=CSMS + VPS)
    assert users.count() == len(CSMS) + len(VPS)
    for user in users:
        assert user.check_password("candor-demo")
        assert user_is_vp(user) is (user.username in VPS)
    books = dict(
        users.filter(username__in=CSMS).annotate(n=Count("book")).values_list("username", "n")
    )
    assert sum(books.values()) == ACCOUNTS
    assert not users.filter(username__in=VPS, book__isnull=False).exists()


def test_if_empty_leaves_an_existing_portfolio_unchanged(seeded_db):
    before = (portfolio_fingerprint(), Signal.objects.count())
    output = seed(if_empty=True, seed=99)
    assert (portfolio_fingerprint(), Signal.objects.count()) == before
    assert "already" in output.lower()


def test_accounts_are_consistent_with_their_segment_and_contract(seeded_db):
    for account in Account.objects.all():
        assert account.renewal_date > account.contract_start
        assert account.contract_start >= TODAY - timedelta(days=4 * 366)
        if account.last_renewed_on:
            assert account.contract_start < account.last_renewed_on <= TODAY
        low, high = {"smb": (5_000, 30_000), "mid_market": (30_000, 150_000)}.get(
            account.segment, (150_000, 1_500_000)
        )
        assert low <= account.arr <= high


def test_healthy_accounts_have_standard_terms_full_handoff_and_an_roi_report(seeded_db):
    for account in story_accounts("healthy"):
        assert account.deal_terms == STANDARD_DEAL_TERMS
        assert account.deviating_terms == []
        assert handoff_missing(account) == []
        assert account.signals.filter(kind="roi_report_generated").exists()
        assert not account.milestones.filter(completed_on__isnull=True).exists()


def test_checklist_illusion_ticks_every_task_but_never_produced_an_roi_report(seeded_db):
    accounts = story_accounts("checklist_illusion")
    assert accounts.exists()
    for account in accounts:
        assert account.crm_says_onboarded
        tasks = account.milestones.filter(kind="task")
        assert tasks.exists() and not tasks.filter(completed_on__isnull=True).exists()
        assert account.milestones.filter(kind="outcome", completed_on__isnull=True).exists()
        assert not account.signals.filter(kind="roi_report_generated").exists()


def test_stale_data_accounts_have_no_signal_in_the_last_two_weeks(seeded_db):
    cutoff = TODAY - timedelta(days=14)
    for account in story_accounts("stale_data"):
        latest = account.signals.aggregate(latest=Max("occurred_at"))["latest"]
        assert latest is not None and latest.date() < cutoff


def test_churned_accounts_are_churned_with_no_signals_after_churn(seeded_db):
    for account in story_accounts("churned"):
        assert account.outcome == "churned"
        assert TODAY - timedelta(days=150) <= account.outcome_on <= TODAY - timedelta(days=30)
        assert not account.signals.filter(occurred_at__date__gt=account.outcome_on).exists()
        assert account.stakeholders.filter(role="exec_sponsor", active=False).exists()


def test_renewed_healthy_accounts_renewed_in_the_last_ninety_days(seeded_db):
    for account in story_accounts("renewed_healthy"):
        assert account.outcome == "renewed"
        assert account.outcome_on == account.last_renewed_on
        assert TODAY - timedelta(days=90) <= account.last_renewed_on <= TODAY


def test_custom_terms_accounts_deviate_in_two_to_four_terms(seeded_db):
    for account in story_accounts("custom_terms"):
        assert 2 <= len(account.deviating_terms) <= 4


def test_handoff_context_missing_accounts_lack_the_sales_context(seeded_db):
    for account in story_accounts("handoff_context_missing"):
        assert "urgency" in handoff_missing(account)
        assert len(handoff_missing(account)) >= 3


def test_commitment_gap_accounts_promised_what_product_has_not_committed(seeded_db):
    for account in story_accounts("commitment_gap"):
        commitments = list(account.commitments.all())
        assert 2 <= len(commitments) <= 3
        assert all(c.product_status in ("under_consideration", "declined") for c in commitments)
        assert account.commitments.filter(rules.commitment_overdue(TODAY)).exists()


def test_champion_left_accounts_have_an_inactive_champion_who_left_recently(seeded_db):
    for account in story_accounts("champion_left"):
        champion = account.stakeholders.get(role="champion", active=False)
        assert TODAY - timedelta(days=90) <= champion.left_on <= TODAY


def test_stakeholder_misalignment_accounts_have_conflicting_success_definitions(seeded_db):
    for account in story_accounts("stakeholder_misalignment"):
        assert account.stakeholders.filter(success_definition_conflicts=True).exists()
        assert account.decisions.filter(rules.decision_reopened_within_week(TODAY)).exists()


def test_story_accounts_other_than_custom_terms_keep_standard_terms(seeded_db):
    others = Account.objects.exclude(external_id__startswith="demo-custom_terms-")
    assert all(account.deviating_terms == [] for account in others)


def test_signal_external_ids_are_unique_and_forced_volume_is_close_to_requested(seeded_db):
    signals = Signal.objects.all()
    assert signals.values("external_id").distinct().count() == signals.count()
    per_account = signals.count() / ACCOUNTS
    assert 15 <= per_account <= 60


def test_demo_logins_lists_every_demo_user_with_password_and_url(seeded_db):
    out = StringIO()
    call_command("demo_logins", stdout=out)
    text = out.getvalue()
    assert "http://127.0.0.1:8000/" in text and "candor-demo" in text
    for username in CSMS + VPS:
        assert username in text


def test_every_churn_story_churns_at_renewal_within_the_last_five_quarters(seeded_db):
    for story in CHURN_STORIES:
        accounts = story_accounts(story)
        assert accounts.exists(), story
        for account in accounts:
            assert (account.outcome, account.outcome_on) == ("churned", account.renewal_date)
            assert TODAY - timedelta(days=450) <= account.outcome_on <= TODAY - timedelta(days=20)
            assert not account.signals.filter(occurred_at__date__gt=account.outcome_on).exists()


def test_a_champion_who_left_months_before_the_churn(seeded_db):
    for account in story_accounts("churned_champion_left"):
        champion = account.stakeholders.get(role="champion")
        assert not champion.active
        assert 60 <= (account.outcome_on - champion.left_on).days <= 150


def test_a_first_year_that_never_reached_value(seeded_db):
    for account in story_accounts("churned_never_got_value"):
        assert (account.outcome_on - account.contract_start).days == 365
        assert not account.signals.filter(kind="roi_report_generated").exists()


def test_a_budget_cut_churns_while_the_account_is_still_in_use(seeded_db):
    for account in story_accounts("churned_budget_cut"):
        last_month = account.outcome_on - timedelta(days=30)
        assert account.signals.filter(kind="login", occurred_at__date__gt=last_month).exists()


def test_renewals_of_the_last_five_quarters_are_recorded_as_renewed(seeded_db):
    recent = Account.objects.filter(last_renewed_on__gte=TODAY - timedelta(days=450))
    assert recent.exclude(external_id__contains="churned").exists()
    for account in recent.exclude(outcome="churned"):
        assert (account.outcome, account.outcome_on) == ("renewed", account.last_renewed_on)


def test_signals_reach_eighteen_months_back_for_accounts_that_old(seeded_db):
    window_start = TODAY - timedelta(days=540)
    for account in Account.objects.filter(contract_start__lt=window_start - timedelta(days=30)):
        first = account.signals.aggregate(first=Min("occurred_at"))["first"]
        assert first.date() <= window_start + timedelta(days=14), account


def test_weekly_history_back_78_weeks_scores_every_ended_account_before_its_outcome(seeded_db):
    for days in range(0, 547, 7):
        score_accounts(as_of=TODAY - timedelta(days=days))
    validity = score_validity(Account.objects.all())
    for row in validity["rows"]:
        assert row["churned_unknown"] == row["renewed_unknown"] == 0, row
        assert row["churned_caught"] + row["churned_missed"] > 0


def test_terms_history_holds_every_annual_renewal_before_the_last(seeded_db):
    renewed_twice = [
        account
        for account in Account.objects.exclude(last_renewed_on=None)
        if account.last_renewed_on >= anniversary(account.contract_start, 2)
    ]
    assert renewed_twice
    for account in renewed_twice:
        first, second = (anniversary(account.contract_start, k) for k in (1, 2))
        then = account.terms_changes.filter(valid_from__lte=first + timedelta(days=1)).last()
        assert (then.last_renewed_on, then.renewal_date) == (first, second), account
