"""The newcomer's walkthrough: navigation by role, the CSM filter, the colour cut-offs, dates
with their year, error pages in the site's style, the API docs' way back, the chart script."""

import gzip

import pytest
from django.urls import reverse

from accounts.models import OnboardingMilestone
from tests.factories import days_ago, give_health, make_account, make_signal

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(alice):
    account = make_account(csm=alice, name="Harbor Foods")
    give_health(account, overall=72, rag="amber", flags=["checklist_illusion"])
    return account


def test_a_vps_navigation_says_all_accounts_not_my_book(client, vera, account):
    client.force_login(vera)
    for page in (reverse("home"), account.get_absolute_url()):
        content = client.get(page).content.decode()
        assert "All accounts" in content
        assert "My book" not in content


def test_a_csms_navigation_says_my_book(client, alice, account):
    client.force_login(alice)
    assert "My book" in client.get(reverse("home")).content.decode()


def test_a_vp_picks_the_csm_from_the_csms_who_have_books(client, vera, bob, account):
    client.force_login(vera)
    response = client.get(reverse("home"))
    assert response.context["csms"] == ["alice"]
    assert '<select name="csm">' in response.content.decode()


def test_an_unknown_csm_is_said_plainly_and_the_book_shows_everyone(client, vera, account):
    client.force_login(vera)
    response = client.get(reverse("home"), {"csm": "May"})
    content = response.content.decode()
    assert "There is no CSM called “May”" in content
    assert "May&#x27;s book" not in content and "May's book" not in content
    assert [a.name for a in response.context["page"]] == ["Harbor Foods"]


def test_the_account_page_shows_the_colour_cut_offs(client, alice, account):
    client.force_login(alice)
    content = client.get(account.get_absolute_url()).content.decode()
    assert "70 or more" in content and "40 to under 70" in content and "under 40" in content


def test_checklist_dates_show_the_year(client, alice, account):
    OnboardingMilestone.objects.create(
        account=account, name="Kickoff call held", kind="task", completed_on=days_ago(400)
    )
    client.force_login(alice)
    content = client.get(account.get_absolute_url()).content.decode()
    assert f"<small>{days_ago(400):%-d %b %Y}</small>" in content


def test_a_missing_page_is_a_404_in_the_sites_style(client, alice, bob):
    theirs = make_account(csm=bob)
    client.force_login(alice)
    response = client.get(theirs.get_absolute_url())
    assert response.status_code == 404
    content = response.content.decode()
    assert 'class="topbar"' in content and "Nothing here" in content
    assert "Back to your book" in content


def test_a_forbidden_page_is_a_403_in_the_sites_style_that_says_why(client, alice):
    client.force_login(alice)
    response = client.get(reverse("portfolio"))
    assert response.status_code == 403
    content = response.content.decode()
    assert 'class="topbar"' in content
    assert "The portfolio is for VPs of Customer Success and finance." in content


def test_the_api_docs_have_a_way_back_to_the_app(client, alice):
    client.force_login(alice)
    content = client.get("/api/v1/docs/").content.decode()
    assert f'href="{reverse("home")}">← Back to Candor' in content
    assert 'id="swagger-ui"' in content


def test_the_chart_script_is_sent_gzipped_and_cached_for_a_year(client, alice):
    client.force_login(alice)
    response = client.get(reverse("plotly_js"), HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert response["Content-Encoding"] == "gzip"
    assert "max-age=31536000" in response["Cache-Control"]
    assert "Accept-Encoding" in response["Vary"]
    script = gzip.decompress(response.content)
    assert len(response.content) < len(script) / 2
    assert b"plotly" in script[:2000].lower()


def test_the_chart_script_is_plain_for_a_client_that_does_not_take_gzip(client, alice):
    client.force_login(alice)
    response = client.get(reverse("plotly_js"), HTTP_ACCEPT_ENCODING="identity")
    assert not response.has_header("Content-Encoding")
    assert b"plotly" in response.content[:2000].lower()


def test_pages_load_the_chart_script_by_its_versioned_url(client, alice, account):
    import plotly

    client.force_login(alice)
    content = client.get(account.get_absolute_url()).content.decode()
    assert f"{reverse('plotly_js')}?v={plotly.__version__}" in content


def test_money_reads_billions_as_billions():
    from dashboard.templatetags.candor import money

    assert (money(2_139_600_000), money(1_117_700_000 / 1000), money(999)) == (
        "$2.1B", "$1.1M", "$999",
    )  # fmt: skip


def test_the_book_and_the_account_page_word_last_activity_alike(client, alice):
    from datetime import datetime, time, timedelta

    from django.utils import timezone

    from health.services import score_accounts
    from tests.factories import make_signal

    account = make_account(csm=alice, name="Harbor Foods")
    midnight = timezone.make_aware(datetime.combine(timezone.localdate(), time()))
    make_signal(account=account, occurred_at=midnight - timedelta(hours=1))  # 1 to 25 hours ago
    score_accounts(account_ids=[account.pk])
    client.force_login(alice)
    book = client.get(reverse("home")).content.decode()
    page = client.get(account.get_absolute_url()).content.decode()
    assert '<td data-label="Last activity">Yesterday</td>' in book
    assert "Last activity yesterday." in page
    assert not any(words in text for text in (book, page) for words in ("hours ago", "1 days"))


def test_a_note_written_a_moment_ago_reads_just_now(client, alice, account):
    client.force_login(alice)
    client.post(reverse("note_create", args=[account.pk]), {"body": "Met the new sponsor."})
    content = client.get(account.get_absolute_url()).content.decode()
    assert "alice, just now" in content
    assert "0 minutes ago" not in content


def test_the_account_pages_why_says_a_missing_component_in_plain_words(client, alice):
    from health.services import score_accounts

    account = make_account(csm=alice, name="Harbor Foods")
    make_signal(account=account)  # scored: an account with no signal yet is unknown
    score_accounts(account_ids=[account.pk])
    client.force_login(alice)
    content = client.get(account.get_absolute_url()).content.decode()
    assert "so the score is worked out from the other components." in content
    assert "re-normalised" not in content and "No data for" not in content
