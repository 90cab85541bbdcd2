"""The demo logins `make run` prints count the accounts each book shows."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.services import user_create_with_role
from demo.seed import CSMS, VPS
from tests.factories import days_ago, make_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def csm():
    csm = user_create_with_role(username=CSMS[0], role="csm", password="x-long-password")
    make_account(csm=csm, name="Still here")
    make_account(csm=csm, name="Churned", outcome="churned", outcome_on=days_ago(30))
    return csm


def _printed(username: str) -> int:
    out = StringIO()
    call_command("demo_logins", stdout=out)
    line = next(line for line in out.getvalue().splitlines() if line.split()[:1] == [username])
    return int(re.search(r"(\d+) accounts?\)", line).group(1))


def test_a_csms_login_counts_the_accounts_their_book_shows(client, csm):
    client.force_login(csm)
    shown = client.get(reverse("home")).context["page"].paginator.count
    assert _printed(csm.username) == shown == 1


def test_a_vps_login_counts_the_accounts_their_book_shows(client, csm):
    vp = user_create_with_role(username=VPS[0], role="vp", password="x-long-password")
    client.force_login(vp)
    shown = client.get(reverse("home")).context["page"].paginator.count
    assert _printed(vp.username) == shown == 1
