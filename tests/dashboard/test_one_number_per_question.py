"""One number per question: each figure on the book and the portfolio says what it counts, and
figures that look alike either agree or say why they differ."""

import html
import re

import pytest
from django.urls import reverse

from accounts.models import Account, Commitment
from health.portfolio import commitment_debt, score_validity
from tests.factories import days_ago, give_health, make_account

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def test_the_boards_words_say_past_months_use_the_arr_in_force_then(client, vera):
    client.force_login(vera)
    page = text(client.get(reverse("portfolio")))
    assert "each account at the ARR in force at that month end" in page
    assert "ARR today" not in page


@pytest.fixture
def promises(alice):
    account = make_account(csm=alice, contract_start=days_ago(100))
    Commitment.objects.create(account=account, title="SSO", told_customer="Soon",
                              product_status="under_consideration", due_on=days_ago(5))  # fmt: skip
    Commitment.objects.create(account=account, title="API", told_customer="Soon",
                              product_status="declined")  # fmt: skip
    Commitment.objects.create(account=account, title="Audit", product_status="planned",
                              due_on=days_ago(3))  # fmt: skip
    return account


def test_commitment_debt_counts_each_promise_once_in_parts_that_add_up(promises):
    young = next(
        row for row in commitment_debt(Account.objects.all()) if row["label"] == "< 6 months"
    )
    assert (young["uncommitted"], young["committed_overdue"], young["commitments"]) == (2, 1, 3)


def _young(rows):
    return next(row for row in rows if row["label"] == "< 6 months")


def test_commitment_debt_of_a_book_counts_only_its_accounts_promises(promises, bob):
    other = make_account(csm=bob, contract_start=days_ago(100))
    Commitment.objects.create(account=other, title="SSO", told_customer="Soon",
                              product_status="declined")  # fmt: skip
    assert _young(commitment_debt(Account.objects.filter(csm=bob)))["commitments"] == 1
    assert _young(commitment_debt(Account.objects.all()))["commitments"] == 4


def test_commitment_debt_leaves_out_churned_accounts_promises(promises):
    Account.objects.filter(pk=promises.pk).update(outcome="churned", outcome_on=days_ago(1))
    assert _young(commitment_debt(Account.objects.all()))["commitments"] == 0


def test_the_commitment_debt_table_shows_no_column_twice(client, vera, promises):
    client.force_login(vera)
    page = text(client.get(reverse("portfolio")))
    assert "< 6 months 2 1 1 " in page  # not committed, committed past due, accounts


def test_the_commitment_debt_csv_keeps_its_columns_and_adds_the_parts(client, vera, promises):
    client.force_login(vera)
    response = client.get(reverse("portfolio"), {"format": "csv", "table": "commitment_debt"})
    header = b"".join(response.streaming_content).decode().splitlines()[0].split(",")
    assert header == ["deal_age", "commitments", "accounts", "overdue", "uncommitted",
                      "committed_overdue"]  # fmt: skip


@pytest.fixture
def churns(alice):
    """Four churns 60 days after a score: three shown red or amber then, one green."""
    for rag in ("red", "amber", "amber", "green"):
        account = make_account(csm=alice, outcome="churned", outcome_on=days_ago(10))
        give_health(account, overall=50, rag=rag, as_of=days_ago(75))


def test_the_validity_table_gives_the_share_of_churns_caught_by_the_score_shown_then(churns):
    row = next(row for row in score_validity(Account.objects.all())["rows"] if row["horizon"] == 60)
    assert row["churned_caught_share"] == 0.75


def test_the_validity_section_labels_its_share_and_the_backtest_apart(client, vera, churns):
    client.force_login(vera)
    page = text(client.get(reverse("portfolio")))
    assert "Score validity: the score shown then" in page
    assert " 60 days 3 1 75% " in page
    assert "what today's scorecard, replayed on its own dates, would have said" in page


def test_the_book_says_its_renewal_count_is_the_next_120_days_of_the_flag(client, vera, alice):
    soon = make_account(csm=alice, renewal_date=days_ago(-30))
    later = make_account(csm=alice, renewal_date=days_ago(-200))
    for account in (soon, later):
        give_health(account, overall=50, rag="amber", flags=["renewal_without_engagement"])
    client.force_login(vera)
    book = text(client.get(reverse("home")))
    assert "1 Renew in the next 120 days, flagged renewal without engagement" in book
    assert "(2 flagged in all, counting those that just renewed)" in book
    portfolio = text(client.get(reverse("portfolio")))
    assert "2 accounts carry the renewal-without-engagement flag" in portfolio
