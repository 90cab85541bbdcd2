"""What a newcomer meets on a fresh `make run`: demo activity in the past, an admin who can open
the Django admin, and logins printed at the address the server really listens on."""

from datetime import UTC, datetime, timedelta
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command
from django.utils import timezone

from demo.activity import moments
from demo.seed import ADMIN, DEMO_PASSWORD
from signals.models import Signal
from tests.accounts.conftest import FAST_HASHERS

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS


def seed(**options) -> str:
    out = StringIO()
    call_command("seed_demo", accounts=12, seed=3, signals_per_account=20, stdout=out, **options)
    return out.getvalue()


def test_events_of_today_fall_in_the_part_of_today_that_has_passed():
    now = datetime(2026, 3, 4, 8, 30, tzinfo=UTC)
    days = [now.date()] * 200 + [now.date() - timedelta(days=1)] * 200
    placed = moments(days, np.random.default_rng(1), now)
    assert max(placed) <= now
    assert all(moment.date() == day for moment, day in zip(placed, days, strict=True))
    assert (
        len({moment for moment in placed[:200]}) > 100
    )  # spread over the morning, not piled at now


def test_a_demo_seeded_today_has_no_signal_later_than_now():
    seed()
    assert Signal.objects.order_by("-occurred_at").first().occurred_at <= timezone.now()


def test_the_demo_admin_logs_in_with_the_demo_password_and_opens_the_admin(client):
    seed()
    signed_in = client.post("/login/", {"username": ADMIN, "password": DEMO_PASSWORD})
    assert signed_in.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_seeding_an_existing_portfolio_again_still_gives_it_the_demo_admin(django_user_model):
    seed()
    django_user_model.objects.filter(username=ADMIN).delete()
    assert "leaving the portfolio as it is" in seed(if_empty=True)
    assert django_user_model.objects.get(username=ADMIN).is_superuser


def test_demo_logins_print_the_admin_and_the_address_it_is_given():
    seed()
    out = StringIO()
    call_command("demo_logins", host="0.0.0.0", port="9000", stdout=out)
    assert "http://0.0.0.0:9000/" in out.getvalue()
    assert "admin" in out.getvalue() and "/admin/" in out.getvalue()


def test_make_run_passes_its_host_and_port_to_the_printed_logins():
    from pathlib import Path

    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    assert "demo_logins --host $(HOST) --port $(PORT)" in makefile
