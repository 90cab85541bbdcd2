"""Large demo portfolios keep realistic books: the named CSMs plus numbered ones."""

from io import StringIO

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count

from accounts.models import Account
from demo.seed import CSMS, csm_usernames
from tests.accounts.test_seed_demo import ACCOUNTS, seed


def books() -> dict[str, int]:
    rows = Account.objects.values_list("csm__username").annotate(n=Count("pk"))
    return dict(rows.order_by())


def test_the_default_demo_keeps_exactly_the_eight_named_csms():
    assert csm_usernames(300) == CSMS
    assert csm_usernames(8 * 300) == CSMS


def test_a_large_portfolio_gets_numbered_csms_for_books_of_about_300():
    names = csm_usernames(100_000)
    assert names[:8] == CSMS
    assert len(names) == 334
    assert names[8] == "csm009" and names[-1] == "csm334"


def test_seed_hands_accounts_to_numbered_csms_who_cannot_log_in(db):
    output = seed(accounts_per_csm=4)
    assert f"Seeded {ACCOUNTS} accounts (11 CSMs)" in output
    assert sum(books().values()) == ACCOUNTS
    assert set(books()) - set(CSMS), "numbered CSMs have books"
    numbered = get_user_model().objects.get(username="csm011")
    assert not numbered.has_usable_password()
    assert numbered.groups.filter(name="csm").exists()


def test_spread_demo_books_moves_an_existing_portfolio_onto_the_larger_team(db):
    seed()
    assert set(books()) <= set(CSMS)
    out = StringIO()
    call_command("spread_demo_books", accounts_per_csm=4, stdout=out)
    assert f"Spread {ACCOUNTS} demo accounts over 11 CSMs" in out.getvalue()
    assert sum(books().values()) == ACCOUNTS
    assert set(books()) - set(CSMS)
